// Bus: connection lifecycle and core NATS. JetStream lives in jetstream.cc, durable consumer
// threads in durable_worker.cc.
#include "shared/bus/bus.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shared/bus/bus_core.h"
#include "shared/status/status.h"

namespace datamesh::bus {
namespace {

using internal::FromNats;
using internal::SharedState;

constexpr absl::Duration kDestructorDrainTimeout = absl::Seconds(5);

int64_t ToMillis(absl::Duration d) { return std::max<int64_t>(1, absl::ToInt64Milliseconds(d)); }

// ---- Connection callbacks -------------------------------------------------------------------
// Their closure is a heap-allocated shared_ptr<SharedState>. libnats posts "closed" last (after
// its reader and flusher threads are joined), so that callback frees the closure.
using StateHolder = std::shared_ptr<SharedState>;

void Notify(SharedState& state, std::string_view line) {
  if (state.on_state_change) state.on_state_change(line);
}

void OnDisconnected(natsConnection*, void* closure) {
  SharedState& state = **static_cast<StateHolder*>(closure);
  state.disconnects.fetch_add(1, std::memory_order_relaxed);
  Notify(state, "disconnected");
}

void OnReconnected(natsConnection* nc, void* closure) {
  SharedState& state = **static_cast<StateHolder*>(closure);
  state.reconnects.fetch_add(1, std::memory_order_relaxed);
  char url[256] = {0};
  natsConnection_GetConnectedUrl(nc, url, sizeof(url));
  Notify(state, absl::StrCat("reconnected to ", url));
}

void OnAsyncError(natsConnection*, natsSubscription*, natsStatus err, void* closure) {
  SharedState& state = **static_cast<StateHolder*>(closure);
  state.async_errors.fetch_add(1, std::memory_order_relaxed);
  Notify(state, absl::StrCat("error: ", natsStatus_GetText(err)));
}

void OnClosed(natsConnection*, void* closure) {
  auto* holder = static_cast<StateHolder*>(closure);
  StateHolder state = std::move(*holder);
  delete holder;
  Notify(*state, "closed");
  // Set after the notification, so that a Bus waiting for "closed" returns only once its
  // on_state_change is no longer running.
  absl::MutexLock lock(&state->mu);
  state->closed = true;
}

natsStatus ConfigureOptions(natsOptions* opts, const BusOptions& options,
                            const std::vector<std::string>& urls, StateHolder* holder) {
  std::vector<const char*> servers;
  for (const std::string& url : urls) servers.push_back(url.c_str());
  natsStatus s = natsOptions_SetServers(opts, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK && !options.client_name.empty()) {
    s = natsOptions_SetName(opts, options.client_name.c_str());
  }
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, ToMillis(options.connect_timeout));
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts, true);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, options.max_reconnects);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, ToMillis(options.reconnect_wait));
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts, OnDisconnected, holder);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts, OnReconnected, holder);
  if (s == NATS_OK) s = natsOptions_SetClosedCB(opts, OnClosed, holder);
  if (s == NATS_OK) s = natsOptions_SetErrorHandler(opts, OnAsyncError, holder);
  return s;
}

// ---- Core subscriptions ---------------------------------------------------------------------
// The message and completion callbacks share one closure, a heap-allocated shared_ptr the
// completion callback frees: libnats calls it once, on the delivery thread, after the last
// message handler returned.
struct SubState {
  Bus::MessageHandler handler;
  std::shared_ptr<SharedState> shared;
  std::atomic<std::thread::id> handler_thread{};  // set while a handler runs
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
};
using SubHolder = std::shared_ptr<SubState>;

void OnMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  SubState& state = **static_cast<SubHolder*>(closure);
  const char* reply = natsMsg_GetReply(msg);
  Message message{
      natsMsg_GetSubject(msg), reply != nullptr ? reply : "",
      std::string_view(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)))};
  state.handler_thread.store(std::this_thread::get_id());
  try {
    state.handler(message);
  } catch (...) {
    state.shared->handler_failures.fetch_add(1, std::memory_order_relaxed);
  }
  state.handler_thread.store(std::thread::id());
  natsMsg_Destroy(msg);
}

void OnSubscriptionComplete(void* closure) {
  auto* holder = static_cast<SubHolder*>(closure);
  {
    absl::MutexLock lock(&(*holder)->mu);
    (*holder)->done = true;
  }
  delete holder;
}

class CoreSubscription final : public Subscription {
 public:
  CoreSubscription(natsSubscription* sub, SubHolder state) : sub_(sub), state_(std::move(state)) {}

  ~CoreSubscription() override {
    // Fails harmlessly when the connection already closed the subscription.
    natsSubscription_Unsubscribe(sub_);
    // Waiting from inside our own handler would never end: the handler is what we wait for.
    if (state_->handler_thread.load() != std::this_thread::get_id()) {
      absl::MutexLock lock(&state_->mu);
      state_->mu.Await(absl::Condition(&state_->done));
    }
    natsSubscription_Destroy(sub_);
  }

 private:
  natsSubscription* const sub_;
  const SubHolder state_;
};

absl::Status ValidateEnvelope(const events::v1::Event& event) {
  if (event.id().empty()) return absl::InvalidArgumentError("event has no id");
  return ValidateEventType(event.type());
}

}  // namespace

namespace internal {

absl::Status BusCore::CheckOpen() {
  absl::MutexLock lock(&mu);
  if (draining) return absl::FailedPreconditionError("the bus is drained");
  return absl::OkStatus();
}

bool BusCore::AwaitClosed(absl::Duration timeout) {
  absl::MutexLock lock(&shared->mu);
  return shared->mu.AwaitWithTimeout(absl::Condition(&shared->closed), timeout);
}

}  // namespace internal

Subscription::~Subscription() = default;
Consumer::~Consumer() = default;

Bus::Bus(std::unique_ptr<internal::BusCore> core) : core_(std::move(core)) {}

absl::StatusOr<std::unique_ptr<Bus>> Bus::Connect(const BusOptions& options) {
  std::vector<std::string> urls;
  for (absl::string_view part : absl::StrSplit(options.url, ',', absl::SkipWhitespace())) {
    urls.emplace_back(absl::StripAsciiWhitespace(part));
  }
  if (urls.empty()) return absl::InvalidArgumentError("BusOptions.url is empty");

  auto shared = std::make_shared<SharedState>();
  shared->on_state_change = options.on_state_change;
  natsOptions* opts = nullptr;
  RETURN_IF_ERROR(FromNats(natsOptions_Create(&opts), "natsOptions_Create"));
  auto* holder = new StateHolder(shared);
  natsStatus s = ConfigureOptions(opts, options, urls, holder);
  natsConnection* conn = nullptr;
  if (s == NATS_OK) s = natsConnection_Connect(&conn, opts);
  natsOptions_Destroy(opts);  // the connection keeps its own copy
  if (s != NATS_OK) {
    delete holder;  // a failed connect invokes no callback
    absl::Status status = FromNats(s, absl::StrCat("connect to ", options.url));
    if (status.code() == absl::StatusCode::kInvalidArgument ||
        status.code() == absl::StatusCode::kPermissionDenied) {
      return status;
    }
    return absl::UnavailableError(status.message());
  }

  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = ToMillis(options.jetstream_timeout);
  jsCtx* js = nullptr;
  s = natsConnection_JetStream(&js, conn, &js_options);
  if (s != NATS_OK) {
    natsConnection_Destroy(conn);  // its "closed" callback frees `holder`
    return FromNats(s, "create JetStream context");
  }

  auto core = std::make_unique<internal::BusCore>();
  core->options = options;
  core->conn = conn;
  core->js = js;
  core->shared = std::move(shared);
  return std::unique_ptr<Bus>(new Bus(std::move(core)));
}

Bus::~Bus() {
  bool drained;
  {
    absl::MutexLock lock(&core_->mu);
    drained = core_->drained;
  }
  if (!drained) (void)Drain(kDestructorDrainTimeout);
  // Subscriptions and pull subscriptions still alive hold their own references to the
  // connection and the JetStream context; these calls only drop ours.
  jsCtx_Destroy(core_->js);
  natsConnection_Destroy(core_->conn);
}

bool Bus::IsConnected() const {
  return natsConnection_Status(core_->conn) == NATS_CONN_STATUS_CONNECTED;
}

BusStats Bus::Stats() const {
  const SharedState& s = *core_->shared;
  BusStats stats;
  stats.disconnects = s.disconnects.load(std::memory_order_relaxed);
  stats.reconnects = s.reconnects.load(std::memory_order_relaxed);
  stats.malformed_dropped = s.malformed_dropped.load(std::memory_order_relaxed);
  stats.handler_failures = s.handler_failures.load(std::memory_order_relaxed);
  stats.ack_failures = s.ack_failures.load(std::memory_order_relaxed);
  stats.duplicate_publishes = s.duplicate_publishes.load(std::memory_order_relaxed);
  stats.async_errors = s.async_errors.load(std::memory_order_relaxed);
  stats.fetch_errors = s.fetch_errors.load(std::memory_order_relaxed);
  return stats;
}

absl::Status Bus::Publish(std::string_view subject, std::string_view data) {
  RETURN_IF_ERROR(core_->CheckOpen());
  std::string subj(subject);
  if (data.size() > static_cast<size_t>(INT32_MAX)) {
    return absl::InvalidArgumentError("payload too large");
  }
  return FromNats(
      natsConnection_Publish(core_->conn, subj.c_str(), data.data(), static_cast<int>(data.size())),
      absl::StrCat("publish on ", subj));
}

absl::Status Bus::PublishEvent(const events::v1::Event& event) {
  RETURN_IF_ERROR(ValidateEnvelope(event));
  return Publish(SubjectFor(event.type()), event.SerializeAsString());
}

absl::StatusOr<std::unique_ptr<Subscription>> Bus::Subscribe(const std::string& subject,
                                                             const std::string& queue_group,
                                                             MessageHandler handler) {
  RETURN_IF_ERROR(core_->CheckOpen());
  if (!handler) return absl::InvalidArgumentError("Subscribe needs a handler");
  auto state = std::make_shared<SubState>();
  state->handler = std::move(handler);
  state->shared = core_->shared;
  auto* holder = new SubHolder(state);
  natsSubscription* sub = nullptr;
  natsStatus s =
      queue_group.empty()
          ? natsConnection_Subscribe(&sub, core_->conn, subject.c_str(), OnMessage, holder)
          : natsConnection_QueueSubscribe(&sub, core_->conn, subject.c_str(), queue_group.c_str(),
                                          OnMessage, holder);
  if (s != NATS_OK) {
    delete holder;
    return FromNats(s, absl::StrCat("subscribe to ", subject));
  }
  s = natsSubscription_SetOnCompleteCB(sub, OnSubscriptionComplete, holder);
  if (s != NATS_OK) {
    // Closed under us (the connection is closing). Its delivery thread may still be using
    // `holder`, and nothing will free it now: leaking it is the only safe choice.
    natsSubscription_Destroy(sub);
    return FromNats(s, absl::StrCat("subscribe to ", subject));
  }
  // A round trip, so that the server knows the interest before we return: a publish from
  // another connection right after this call must reach the new subscriber. While
  // disconnected the subscription is re-sent on reconnect, so a failed flush is no error.
  if (IsConnected()) {
    (void)natsConnection_FlushTimeout(core_->conn, ToMillis(core_->options.connect_timeout));
  }
  return std::unique_ptr<Subscription>(new CoreSubscription(sub, std::move(state)));
}

absl::StatusOr<std::unique_ptr<Subscription>> Bus::SubscribeEvents(const std::string& subject,
                                                                   const std::string& queue_group,
                                                                   EventHandler handler) {
  if (!handler) return absl::InvalidArgumentError("SubscribeEvents needs a handler");
  std::shared_ptr<SharedState> shared = core_->shared;
  return Subscribe(subject, queue_group,
                   [shared, handler = std::move(handler)](const Message& message) {
                     absl::StatusOr<events::v1::Event> event = ParseEvent(message.data);
                     if (!event.ok()) {
                       shared->malformed_dropped.fetch_add(1, std::memory_order_relaxed);
                       return;
                     }
                     handler(*event);
                   });
}

absl::StatusOr<std::string> Bus::Request(std::string_view subject, std::string_view data,
                                         absl::Duration timeout) {
  RETURN_IF_ERROR(core_->CheckOpen());
  std::string subj(subject);
  natsMsg* reply = nullptr;
  natsStatus s = natsConnection_Request(&reply, core_->conn, subj.c_str(), data.data(),
                                        static_cast<int>(data.size()), ToMillis(timeout));
  if (s == NATS_NO_RESPONDERS) {
    return absl::UnavailableError(absl::StrCat("no responder on ", subj));
  }
  if (s != NATS_OK) return FromNats(s, absl::StrCat("request on ", subj));
  std::string out(natsMsg_GetData(reply), static_cast<size_t>(natsMsg_GetDataLength(reply)));
  natsMsg_Destroy(reply);
  return out;
}

absl::Status Bus::Drain(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<std::shared_ptr<internal::DurableWorker>> workers;
  bool first;
  {
    absl::MutexLock lock(&core_->mu);
    if (core_->drained) return absl::OkStatus();
    first = !core_->draining;
    core_->draining = true;
    for (auto& weak : core_->workers) {
      if (auto worker = weak.lock()) workers.push_back(std::move(worker));
    }
    core_->workers.clear();
  }
  if (!first) {
    // Another thread is draining; wait for it rather than cutting it short.
    return core_->AwaitClosed(timeout) ? absl::OkStatus()
                                       : absl::DeadlineExceededError("bus drain still running");
  }
  // Signal every consumer first so they wind down in parallel, then wait for each.
  for (auto& worker : workers) internal::SignalDurableWorker(*worker);
  for (auto& worker : workers) internal::StopDurableWorker(*worker);

  absl::Status result = absl::OkStatus();
  natsStatus s = natsConnection_DrainTimeout(core_->conn, ToMillis(deadline - absl::Now()));
  if (s != NATS_OK) natsConnection_Close(core_->conn);  // e.g. reconnecting: nothing to drain
  // libnats closes the connection itself when its drain times out; the grace covers that.
  if (!core_->AwaitClosed(std::max(deadline - absl::Now(), absl::ZeroDuration()) +
                          absl::Seconds(1))) {
    natsConnection_Close(core_->conn);
    core_->AwaitClosed(absl::Seconds(1));
    result = absl::DeadlineExceededError("bus drain did not finish in time; connection closed");
  } else if (absl::Now() > deadline) {
    result = absl::DeadlineExceededError("bus drain timed out; connection closed");
  }
  absl::MutexLock lock(&core_->mu);
  core_->drained = true;
  return result;
}

void CloseNatsLibrary() { nats_Close(); }

}  // namespace datamesh::bus
