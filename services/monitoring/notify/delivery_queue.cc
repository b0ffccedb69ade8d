#include "services/monitoring/notify/delivery_queue.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/time/clock.h"
#include "shared/log/log.h"

namespace datamesh::monitoring::notify {

absl::Duration Backoff(int attempt, absl::Duration initial, absl::Duration max, double jitter01) {
  // Doubling stops at the cap; 2^30 times any positive initial is past any sane cap.
  const int doublings = std::clamp(attempt - 1, 0, 30);
  absl::Duration d = std::min(initial * (int64_t{1} << doublings), max);
  const double factor = 0.5 + 0.5 * std::clamp(jitter01, 0.0, 1.0);
  return d * factor;
}

bool IsRetryable(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kDeadlineExceeded ||
         s.code() == absl::StatusCode::kResourceExhausted;
}

DeliveryQueue::DeliveryQueue(std::string name, Options options,
                             prometheus::Family<prometheus::Counter>& outcomes)
    : name_(std::move(name)),
      options_(options),
      sent_(outcomes.Add({{"receiver", name_}, {"outcome", "sent"}})),
      retried_(outcomes.Add({{"receiver", name_}, {"outcome", "retried"}})),
      failed_(outcomes.Add({{"receiver", name_}, {"outcome", "failed"}})),
      dropped_(outcomes.Add({{"receiver", name_}, {"outcome", "dropped"}})),
      thread_([this] { Loop(); }) {}

DeliveryQueue::~DeliveryQueue() { Stop(); }

void DeliveryQueue::Push(std::string what, Attempt attempt) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return;
  if (jobs_.size() >= options_.capacity) {
    log::Warn("notification queue full; the oldest waiting notification is dropped",
              {{"receiver", name_}, {"dropped", jobs_.front().what}});
    jobs_.pop_front();
    dropped_.Increment();
  }
  jobs_.push_back({std::move(what), std::move(attempt), absl::Now() + options_.retry_deadline});
  cv_.notify_all();
}

size_t DeliveryQueue::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size() + (busy_ ? 1 : 0);
}

void DeliveryQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
    dropped_.Increment(static_cast<double>(jobs_.size()));
    jobs_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeliveryQueue::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    Deliver(job);
    lock.lock();
    busy_ = false;
  }
}

void DeliveryQueue::Deliver(Job& job) {
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  for (int attempt = 1;; ++attempt) {
    const absl::Status s = job.attempt();
    if (s.ok()) {
      sent_.Increment();
      return;
    }
    const absl::Duration wait =
        Backoff(attempt, options_.initial_backoff, options_.max_backoff, jitter(random));
    if (!IsRetryable(s) || absl::Now() + wait > job.deadline) {
      failed_.Increment();
      log::Warn("notification not delivered; giving up", {{"receiver", name_},
                                                          {"what", job.what},
                                                          {"attempts", attempt},
                                                          {"error", std::string(s.message())}});
      return;
    }
    log::Info("notification delivery failed; retrying",
              {{"receiver", name_},
               {"what", job.what},
               {"attempt", attempt},
               {"retry_in_ms", absl::ToInt64Milliseconds(wait)},
               {"error", std::string(s.message())}});
    retried_.Increment();
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, absl::ToChronoMilliseconds(wait), [this] { return stop_; })) {
      dropped_.Increment();
      return;
    }
  }
}

}  // namespace datamesh::monitoring::notify
