// ReservationReleases: makes the release of a failed upload's storage reservation survive a
// moment when quota (or its PostgreSQL) cannot take it. Without it such a release is lost and
// the bytes stay reserved until quota's --reservation-ttl (an hour): the user's usage shows
// them, and they count against the limit.
//
// Why the gateway retries rather than quota retiring such reservations by itself: the gateway
// is the side that knows the upload ended and that its release did not land. quota only sees a
// held reservation that nobody touches, which is also what an upload of a declared size looks
// like while it streams (it reserves once and grows never); telling the two apart would need a
// lease every upload renews. file-ingest knows of uploads too, but not of those refused before
// their stream opened. The queue lives in memory: a gateway that dies with releases pending
// leaves them to the TTL, as before.
//
// A release that failed with a transient error (UNAVAILABLE, DEADLINE_EXCEEDED, ...) is queued
// and retried with exponential back-off until it succeeds, quota refuses it for good (e.g.
// FAILED_PRECONDITION: the reservation was committed, so its file.stored settles it), or
// `give_up_after` passes. At most `max_pending` wait; past that a release is dropped (counted)
// and left to the TTL. Release is idempotent in quota, so a retry after a lost answer is safe.
//
// Metrics (when a registry is given): datamesh_gateway_reservation_releases_pending and
// datamesh_gateway_reservation_release_retries_total{outcome="released"|"refused"|"gave_up"|
// "queue_full"|"shutdown"}.
//
// Thread-safe. The worker thread (unless options.start_worker is false, for tests that call
// RetryDue themselves) is stopped by the destructor; `call` must stay usable until then.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace datamesh::gateway {

class ReservationReleases {
 public:
  // One QuotaService.Release of `reservation_id` on behalf of the request `request_id`.
  using ReleaseCall =
      std::function<grpc::Status(const std::string& reservation_id, const std::string& request_id)>;

  struct Options {
    size_t max_pending = 10000;
    absl::Duration first_retry = absl::Seconds(1);     // doubled after each failed retry
    absl::Duration max_retry = absl::Seconds(30);      // the longest wait between retries
    absl::Duration give_up_after = absl::Minutes(30);  // counted from Retry()
    bool start_worker = true;
    std::function<absl::Time()> clock = absl::Now;
  };

  // `metrics` may be null.
  ReservationReleases(ReleaseCall call, Options options, prometheus::Registry* metrics);
  ~ReservationReleases();
  ReservationReleases(const ReservationReleases&) = delete;
  ReservationReleases& operator=(const ReservationReleases&) = delete;

  // Whether a release that ended with `status` is worth trying again later.
  static bool Transient(const grpc::Status& status);

  // Queues the release of `reservation_id`, whose first attempt failed transiently. Ignores an
  // empty id and one already queued.
  void Retry(const std::string& reservation_id, const std::string& request_id);

  // Tries every queued release that is due now; returns how many were tried. The worker calls
  // it; tests without a worker call it after moving their clock.
  size_t RetryDue();

  size_t pending() const;

 private:
  struct Entry {
    std::string request_id;
    absl::Time give_up_at;
    absl::Duration backoff;
  };
  enum class Outcome { kReleased, kRefused, kGaveUp, kQueueFull, kShutdown };

  void Count(Outcome outcome, double n = 1);
  void WorkerLoop();
  absl::Time NextDueLocked() const;

  const ReleaseCall call_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::map<std::string, Entry> entries_;             // by reservation id
  std::multimap<absl::Time, std::string> schedule_;  // due time -> reservation id
  prometheus::Gauge* pending_ = nullptr;
  prometheus::Family<prometheus::Counter>* outcomes_ = nullptr;
  std::thread worker_;
};

}  // namespace datamesh::gateway
