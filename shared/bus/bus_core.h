// Private to shared/bus: the state behind a Bus, shared with libnats callbacks, subscriptions
// and durable consumer threads. Not part of the public API; include only from shared/bus/*.cc.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "shared/bus/bus.h"

namespace datamesh::bus::internal {

// Counters and connection-state notifications. Held by the Bus, by each subscription and
// consumer, and by libnats' connection callbacks (through a heap-allocated shared_ptr the
// "closed" callback frees), so it outlives whichever of them goes last.
struct SharedState {
  std::function<void(std::string_view)> on_state_change;

  std::atomic<uint64_t> disconnects{0};
  std::atomic<uint64_t> reconnects{0};
  std::atomic<uint64_t> malformed_dropped{0};
  std::atomic<uint64_t> handler_failures{0};
  std::atomic<uint64_t> ack_failures{0};
  std::atomic<uint64_t> duplicate_publishes{0};
  std::atomic<uint64_t> async_errors{0};
  std::atomic<uint64_t> fetch_errors{0};

  absl::Mutex mu;
  bool closed ABSL_GUARDED_BY(mu) = false;  // libnats reported the connection closed
};

// Maps a libnats status (and, for JetStream API calls, its error code) to the most specific
// absl code, with `what` and libnats' last error text on this thread as the message.
absl::Status FromNats(natsStatus status, std::string_view what, jsErrCode js_error = jsErrCode{});

// A running durable consumer (durable_worker.cc).
class DurableWorker;

// What a Bus owns. Members are set once in Connect and never change, except as noted.
struct BusCore {
  BusOptions options;
  natsConnection* conn = nullptr;
  jsCtx* js = nullptr;
  std::shared_ptr<SharedState> shared;

  absl::Mutex mu;
  bool draining ABSL_GUARDED_BY(mu) = false;  // Drain started: no new subscriptions/consumers
  bool drained ABSL_GUARDED_BY(mu) = false;   // Drain finished
  std::vector<std::weak_ptr<DurableWorker>> workers ABSL_GUARDED_BY(mu);

  // FAILED_PRECONDITION once Drain has started.
  absl::Status CheckOpen();
  // Waits until libnats reports the connection closed; false on timeout.
  bool AwaitClosed(absl::Duration timeout);
};

// Durable consumer workers (durable_worker.cc). StartDurableWorker takes ownership of `sub`, a
// pull subscription bound to an existing consumer, and starts the fetch thread.
std::shared_ptr<DurableWorker> StartDurableWorker(std::shared_ptr<SharedState> shared,
                                                  natsSubscription* sub,
                                                  const ConsumerConfig& config,
                                                  Bus::DurableHandler handler);
// Asks the worker to stop after the event in hand; returns at once.
void SignalDurableWorker(DurableWorker& worker);
// Signals and waits for the worker's thread to finish. Idempotent and thread-safe.
void StopDurableWorker(DurableWorker& worker);
// The consumer configuration the worker was started with.
const ConsumerConfig& DurableWorkerConfig(const DurableWorker& worker);
// The public handle: destroying it stops the worker.
std::unique_ptr<Consumer> MakeConsumerHandle(std::shared_ptr<DurableWorker> worker);

}  // namespace datamesh::bus::internal
