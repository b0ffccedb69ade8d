// DeliveryQueue: one integration's (one webhook URL, one SMTP destination) outgoing
// notifications, sent one at a time on its own thread, with retries.
//
// A send that fails with a retryable status (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED:
// no answer, a 5xx, a 429) is tried again after an exponential back-off with jitter, until
// `retry_deadline` after it was queued; any other failure (a 4xx, a refused address) is final.
// The queue holds at most `capacity` jobs: when full, the oldest waiting job is dropped, so a
// dead receiver costs a bounded amount of memory and never blocks the dispatcher, the
// evaluator or another receiver's queue.
//
// Outcomes are counted in datamesh_monitoring_notifications_total{receiver, outcome}:
// sent, retried (each retry), failed (final), dropped (queue full, or left at shutdown).
//
// Thread-safe: Push from any thread. Stop (or the destructor) wakes a waiting retry at once and
// joins; the job being tried finishes its attempt first.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"

namespace datamesh::monitoring::notify {

// The back-off before retry number `attempt` (1 for the first retry): initial * 2^(attempt-1),
// capped at `max`, then scaled by a factor in [0.5, 1] taken from `jitter01` in [0, 1] ("equal
// jitter": never zero, never more than the cap).
absl::Duration Backoff(int attempt, absl::Duration initial, absl::Duration max, double jitter01);

// Whether a failed send is worth trying again.
bool IsRetryable(const absl::Status& s);

class DeliveryQueue {
 public:
  using Attempt = std::function<absl::Status()>;
  struct Options {
    size_t capacity = 256;
    absl::Duration retry_deadline = absl::Minutes(5);
    absl::Duration initial_backoff = absl::Milliseconds(500);
    absl::Duration max_backoff = absl::Seconds(30);
  };

  // `outcomes` must outlive the queue. `name` (the receiver) labels the metric and the logs.
  DeliveryQueue(std::string name, Options options,
                prometheus::Family<prometheus::Counter>& outcomes);
  ~DeliveryQueue();
  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;

  // Queues a job; `what` names it in logs (never its content or a secret).
  void Push(std::string what, Attempt attempt);

  // Jobs waiting or being tried.
  size_t pending() const;

  void Stop();

 private:
  struct Job {
    std::string what;
    Attempt attempt;
    absl::Time deadline;
  };
  void Loop();
  // Tries one job until it succeeds, fails for good, passes its deadline or the queue stops.
  void Deliver(Job& job);

  const std::string name_;
  const Options options_;
  prometheus::Counter& sent_;
  prometheus::Counter& retried_;
  prometheus::Counter& failed_;
  prometheus::Counter& dropped_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace datamesh::monitoring::notify
