// The thread behind a durable consumer: pull a batch, hand each event to the handler, ack or
// nak it, repeat until asked to stop.
#include <algorithm>
#include <exception>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "shared/bus/bus_core.h"

namespace datamesh::bus::internal {

class DurableWorker : public std::enable_shared_from_this<DurableWorker> {
 public:
  DurableWorker(std::shared_ptr<SharedState> shared, natsSubscription* sub,
                const ConsumerConfig& config, Bus::DurableHandler handler)
      : shared_(std::move(shared)), sub_(sub), config_(config), handler_(std::move(handler)) {}

  DurableWorker(const DurableWorker&) = delete;
  DurableWorker& operator=(const DurableWorker&) = delete;

  ~DurableWorker() {
    Stop();
    // Only drops the pull subscription: the consumer was not created by it, so libnats does
    // not delete it on the server.
    natsSubscription_Destroy(sub_);
  }

  const ConsumerConfig& config() const { return config_; }

  void Start() {
    absl::MutexLock lock(&join_mu_);
    // The thread keeps the worker alive, so that a handler destroying its own Consumer (which
    // cannot join the running thread) does not pull the worker out from under it.
    thread_ = std::thread([self = shared_from_this()] { self->Run(); });
  }

  void Signal() {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }

  void Stop() {
    Signal();
    absl::MutexLock lock(&join_mu_);
    if (!thread_.joinable()) return;
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // called from our own handler: the loop ends after it returns
    } else {
      thread_.join();
    }
  }

 private:
  bool StopRequested() {
    absl::MutexLock lock(&mu_);
    return stop_;
  }

  // Waits `delay` or until stopped, whichever comes first.
  void Backoff(absl::Duration delay) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stop_), delay);
  }

  void Run() {
    Loop();
    // A pull subscription has no delivery thread, so a connection drain would wait for it
    // until its timeout; end it here. Bound to a consumer it did not create, it leaves the
    // consumer (and its position) on the server.
    natsSubscription_Unsubscribe(sub_);
  }

  void Loop() {
    const int64_t wait_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(config_.fetch_wait));
    absl::Duration backoff = kMinBackoff;
    while (!StopRequested()) {
      natsMsgList list{};
      jsErrCode js_error{};
      natsStatus s = natsSubscription_Fetch(&list, sub_, config_.batch_size, wait_ms, &js_error);
      if (s == NATS_OK) {
        backoff = kMinBackoff;
        HandleBatch(list);
        natsMsgList_Destroy(&list);
      } else if (s == NATS_TIMEOUT) {
        continue;  // nothing arrived within fetch_wait
      } else if (s == NATS_CONNECTION_CLOSED || s == NATS_INVALID_SUBSCRIPTION) {
        return;  // the bus is closed: nothing more will come
      } else {
        // Disconnected, consumer deleted, server error: retry, slowing down while it lasts.
        shared_->fetch_errors.fetch_add(1, std::memory_order_relaxed);
        Backoff(backoff);
        backoff = std::min(backoff * 2, kMaxBackoff);
      }
    }
  }

  void HandleBatch(natsMsgList& list) {
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* msg = list.Msgs[i];
      if (StopRequested()) {
        // Hand it back now, so another replica need not wait for ack_wait.
        natsMsg_Nak(msg, nullptr);
        continue;
      }
      HandleOne(msg);
    }
  }

  void HandleOne(natsMsg* msg) {
    absl::StatusOr<events::v1::Event> event = ParseEvent(
        std::string_view(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))));
    if (!event.ok()) {
      // It would fail the same way on every redelivery; terminate it instead of looping.
      shared_->malformed_dropped.fetch_add(1, std::memory_order_relaxed);
      natsMsg_Term(msg, nullptr);
      return;
    }
    absl::Status status = CallHandler(*event);
    if (status.ok()) {
      // AckSync: once it returns OK the server will not hand this event out again. If the
      // confirmation is lost the event comes back, and the idempotent handler skips it.
      jsErrCode js_error{};
      if (natsMsg_AckSync(msg, nullptr, &js_error) != NATS_OK) {
        shared_->ack_failures.fetch_add(1, std::memory_order_relaxed);
      }
      return;
    }
    shared_->handler_failures.fetch_add(1, std::memory_order_relaxed);
    natsMsg_NakWithDelay(msg, absl::ToInt64Milliseconds(NakDelay(msg)), nullptr);
  }

  absl::Status CallHandler(const events::v1::Event& event) {
    try {
      return handler_(event);
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("handler threw: ", e.what()));
    } catch (...) {
      return absl::InternalError("handler threw");
    }
  }

  // nak_delay doubled for each earlier delivery, capped at max_nak_delay.
  absl::Duration NakDelay(natsMsg* msg) {
    uint64_t delivered = 1;
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
      delivered = std::max<uint64_t>(1, meta->NumDelivered);
      jsMsgMetaData_Destroy(meta);
    }
    const int shift = static_cast<int>(std::min<uint64_t>(delivered - 1, 20));
    return std::min(config_.nak_delay * (int64_t{1} << shift), config_.max_nak_delay);
  }

  static constexpr absl::Duration kMinBackoff = absl::Milliseconds(100);
  static constexpr absl::Duration kMaxBackoff = absl::Seconds(5);

  const std::shared_ptr<SharedState> shared_;
  natsSubscription* const sub_;
  const ConsumerConfig config_;
  const Bus::DurableHandler handler_;

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex join_mu_;
  std::thread thread_ ABSL_GUARDED_BY(join_mu_);
};

namespace {

class DurableConsumer final : public Consumer {
 public:
  explicit DurableConsumer(std::shared_ptr<DurableWorker> worker) : worker_(std::move(worker)) {}
  ~DurableConsumer() override { worker_->Stop(); }

 private:
  const std::shared_ptr<DurableWorker> worker_;
};

}  // namespace

std::shared_ptr<DurableWorker> StartDurableWorker(std::shared_ptr<SharedState> shared,
                                                  natsSubscription* sub,
                                                  const ConsumerConfig& config,
                                                  Bus::DurableHandler handler) {
  auto worker = std::make_shared<DurableWorker>(std::move(shared), sub, config, std::move(handler));
  worker->Start();
  return worker;
}

void SignalDurableWorker(DurableWorker& worker) { worker.Signal(); }
void StopDurableWorker(DurableWorker& worker) { worker.Stop(); }

const ConsumerConfig& DurableWorkerConfig(const DurableWorker& worker) { return worker.config(); }

std::unique_ptr<Consumer> MakeConsumerHandle(std::shared_ptr<DurableWorker> worker) {
  return std::make_unique<DurableConsumer>(std::move(worker));
}

}  // namespace datamesh::bus::internal
