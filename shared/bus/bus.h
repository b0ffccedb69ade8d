// Bus: the DataMesh connection to NATS, for events (core NATS and JetStream) and requests.
//
// Facts that must not be lost go through JetStream (PublishDurable / ConsumeDurable on the
// stream from DurableEventsStream()); ephemeral signals use core NATS (PublishEvent /
// SubscribeEvents). Subjects are SubjectFor(type); payloads are serialized
// datamesh.events.v1.Event envelopes (event.h).
//
// Ownership and lifetimes:
//   * Bus owns one NATS connection and its JetStream context. ~Bus drains it if Drain was not
//     called. It never calls nats_Close (once per process; see CloseNatsLibrary).
//   * Subscription and Consumer are handles; destroying one stops its deliveries and waits for
//     a running handler to return, so state captured by the handler may be destroyed right
//     after. They may outlive the Bus (Drain/~Bus stops them first; their destructor is then
//     cheap), but must not be destroyed from inside their own handler (a consumer would
//     deadlock; a subscription then returns without waiting).
//
// Delivery: each subscription runs its handler on its own libnats thread, one message at a
// time, in arrival order. Each durable consumer runs its handler on its own std::thread. A
// handler that blocks delays only its own subscription or consumer. Handlers must not throw;
// an exception is caught, counted and treated as a failure.
//
// Reconnection: the connection reconnects on its own (BusOptions). While disconnected, core
// publishes are buffered (up to 8 MiB) and sent on reconnect; IsConnected() is false;
// PublishDurable fails with DEADLINE_EXCEEDED or UNAVAILABLE and is safe to retry with the same
// event (same id: the stream de-duplicates it).
//
// Thread safety: every Bus method is thread-safe.
//
// Error codes: UNAVAILABLE when NATS cannot be reached or no one answers; DEADLINE_EXCEEDED on
// timeouts; FAILED_PRECONDITION after Drain or when JetStream refuses a configuration;
// INVALID_ARGUMENT for bad subjects, names or events; NOT_FOUND for unknown streams/consumers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "datamesh/events/v1/event.pb.h"
#include "shared/bus/event.h"
#include "shared/bus/jetstream_config.h"

namespace datamesh::bus {

namespace internal {
class BusCore;
}

struct BusOptions {
  std::string url;          // "nats://host:port" (comma-separated list allowed)
  std::string client_name;  // shown in NATS monitoring, e.g. "auth/instance-id"
  absl::Duration reconnect_wait = absl::Milliseconds(250);
  int max_reconnects = -1;  // -1: forever
  absl::Duration connect_timeout = absl::Seconds(5);
  // Wait for JetStream API replies and publish acknowledgements.
  absl::Duration jetstream_timeout = absl::Seconds(5);
  // Called on a libnats thread when the connection changes state, with a line that starts with
  // "disconnected", "reconnected" or "closed" (or "error" for an asynchronous error such as a
  // slow consumer dropping messages). Must return quickly and not call back into Bus methods
  // that wait (Request, PublishDurable, Drain). Not called after ~Bus returns.
  std::function<void(std::string_view)> on_state_change;
};

// Monotonic counters since Connect, for metrics.
struct BusStats {
  uint64_t disconnects = 0;
  uint64_t reconnects = 0;
  uint64_t malformed_dropped = 0;    // undecodable payloads on event subscriptions/consumers
  uint64_t handler_failures = 0;     // durable handler errors and exceptions (event nak'ed)
  uint64_t ack_failures = 0;         // acks the server did not confirm (event comes again)
  uint64_t duplicate_publishes = 0;  // PublishDurable calls the stream recognised as repeats
  uint64_t async_errors = 0;         // libnats asynchronous errors, e.g. slow consumer drops
  uint64_t fetch_errors = 0;         // durable consumer pulls that failed (retried with backoff)
};

// A received core NATS message. The views are valid only during the handler call.
struct Message {
  std::string_view subject;
  std::string_view reply_to;  // empty unless the sender expects a reply (Request)
  std::string_view data;
};

// A live core NATS subscription; destroying it unsubscribes (see the header comment).
class Subscription {
 public:
  virtual ~Subscription();

 protected:
  Subscription() = default;
};

// A running durable consumer; destroying it stops fetching and waits for the batch in hand.
// The durable position stays on the server: a consumer created again with the same durable
// name resumes after the last acknowledged event.
class Consumer {
 public:
  virtual ~Consumer();

 protected:
  Consumer() = default;
};

class Bus {
 public:
  using MessageHandler = std::function<void(const Message&)>;
  using EventHandler = std::function<void(const events::v1::Event&)>;
  // OK: the event is acknowledged. Any error: it is redelivered after a delay.
  using DurableHandler = std::function<absl::Status(const events::v1::Event&)>;

  // Connects (and creates the JetStream context). UNAVAILABLE if no server is reachable
  // within connect_timeout; INVALID_ARGUMENT for an empty or malformed url.
  static absl::StatusOr<std::unique_ptr<Bus>> Connect(const BusOptions& options);

  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;
  ~Bus();  // Drain(5 s) unless already drained, then frees the connection

  bool IsConnected() const;
  BusStats Stats() const;

  // Core NATS. Publish returns once the data is buffered for sending, not when delivered.
  [[nodiscard]] absl::Status Publish(std::string_view subject, std::string_view data);
  // Publishes on SubjectFor(event.type()). INVALID_ARGUMENT if the id or type is unusable.
  [[nodiscard]] absl::Status PublishEvent(const events::v1::Event& event);

  // `subject` may contain wildcards; an empty queue_group means every subscriber gets every
  // message, otherwise one member of the group does.
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(const std::string& subject,
                                                          const std::string& queue_group,
                                                          MessageHandler handler);
  // As Subscribe, decoding envelopes; malformed payloads are counted and dropped.
  absl::StatusOr<std::unique_ptr<Subscription>> SubscribeEvents(const std::string& subject,
                                                                const std::string& queue_group,
                                                                EventHandler handler);

  // Sends `data` and waits for one reply. DEADLINE_EXCEEDED on timeout; UNAVAILABLE when no
  // subscriber listens on the subject.
  absl::StatusOr<std::string> Request(std::string_view subject, std::string_view data,
                                      absl::Duration timeout);

  // JetStream. Creates the stream or updates it to `config`; concurrent calls from replicas
  // with the same config all succeed. FAILED_PRECONDITION when the server refuses (e.g. a
  // change of storage type, or subjects overlapping another stream).
  [[nodiscard]] absl::Status EnsureStream(const StreamConfig& config);

  // Publishes through JetStream with Nats-Msg-Id = event.id and waits for the stream's ack, so
  // a retried publish of the same event is stored once (within the duplicate window). OK also
  // for such a repeat. FAILED_PRECONDITION when no stream captures the subject.
  [[nodiscard]] absl::Status PublishDurable(const events::v1::Event& event);

  // Creates (or updates) the durable consumer and starts a thread that fetches batches and
  // calls `handler` for each event: OK -> synchronous ack; error -> nak with a growing delay.
  // Undecodable payloads are terminated (never redelivered) and counted. The handler must be
  // idempotent by event id (see dedup.h). NOT_FOUND if the stream does not exist.
  absl::StatusOr<std::unique_ptr<Consumer>> ConsumeDurable(const ConsumerConfig& config,
                                                           DurableHandler handler);

  // The (stream, durable) of every durable consumer this Bus runs now (ConsumeDurable handles
  // not yet destroyed), for lag metrics.
  std::vector<std::pair<std::string, std::string>> DurableConsumers() const;

  absl::StatusOr<StreamState> GetStreamState(const std::string& stream);
  absl::StatusOr<ConsumerState> GetConsumerState(const std::string& stream,
                                                 const std::string& durable);

  // Graceful shutdown: stops durable consumers (each finishes its batch), drains
  // subscriptions (queued messages are still handled), flushes publishes and closes the
  // connection. DEADLINE_EXCEEDED if that takes longer than `timeout` (the connection is then
  // closed anyway). Later calls return OK at once; other methods then fail with
  // FAILED_PRECONDITION.
  [[nodiscard]] absl::Status Drain(absl::Duration timeout);

 private:
  explicit Bus(std::unique_ptr<internal::BusCore> core);

  std::unique_ptr<internal::BusCore> core_;
};

// Releases libnats' process-wide resources. Call at most once per process, at exit, after every
// Bus is destroyed; no Bus may be created afterwards.
void CloseNatsLibrary();

}  // namespace datamesh::bus
