#include "services/gateway/upstream/reservation_releases.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "shared/log/log.h"

namespace datamesh::gateway {
namespace {

const char* OutcomeName(int outcome) {
  static const char* const kNames[] = {"released", "refused", "gave_up", "queue_full", "shutdown"};
  return kNames[outcome];
}

}  // namespace

ReservationReleases::ReservationReleases(ReleaseCall call, Options options,
                                         prometheus::Registry* metrics)
    : call_(std::move(call)), options_(std::move(options)) {
  if (metrics != nullptr) {
    pending_ = &prometheus::BuildGauge()
                    .Name("datamesh_gateway_reservation_releases_pending")
                    .Help(
                        "Releases of failed uploads' reservations waiting for quota to take "
                        "them")
                    .Register(*metrics)
                    .Add({});
    outcomes_ = &prometheus::BuildCounter()
                     .Name("datamesh_gateway_reservation_release_retries_total")
                     .Help(
                         "Queued reservation releases by how they ended: released on a "
                         "retry, refused by quota, given up, dropped (queue full or shutdown)")
                     .Register(*metrics);
    for (int o = 0; o <= static_cast<int>(Outcome::kShutdown); ++o) {
      outcomes_->Add({{"outcome", OutcomeName(o)}});  // every series exported from the start
    }
  }
  if (options_.start_worker) worker_ = std::thread([this] { WorkerLoop(); });
}

ReservationReleases::~ReservationReleases() {
  size_t left = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    left = entries_.size();
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  if (left > 0) {
    // Their reservations lapse at quota's --reservation-ttl.
    log::Warn("reservation releases still pending at shutdown",
              {{"pending", static_cast<int64_t>(left)}});
    Count(Outcome::kShutdown, static_cast<double>(left));
  }
}

bool ReservationReleases::Transient(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return true;
    default: return false;
  }
}

void ReservationReleases::Retry(const std::string& reservation_id, const std::string& request_id) {
  if (reservation_id.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ || entries_.count(reservation_id) > 0) return;
    if (entries_.size() >= options_.max_pending) {
      log::Warn("reservation release dropped: too many pending",
                {{"reservation_id", reservation_id}});
    } else {
      const absl::Time now = options_.clock();
      entries_[reservation_id] = {request_id, now + options_.give_up_after, options_.first_retry};
      schedule_.emplace(now + options_.first_retry, reservation_id);
      if (pending_ != nullptr) pending_->Set(static_cast<double>(entries_.size()));
      wake_.notify_all();
      return;
    }
  }
  Count(Outcome::kQueueFull);
}

size_t ReservationReleases::RetryDue() {
  std::vector<std::pair<std::string, std::string>> due;  // reservation id, request id
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = options_.clock();
    while (!schedule_.empty() && schedule_.begin()->first <= now) {
      const std::string id = schedule_.begin()->second;
      schedule_.erase(schedule_.begin());
      due.emplace_back(id, entries_.at(id).request_id);
    }
  }
  for (const auto& [id, request_id] : due) {
    // Outside the lock: a call may take up to its deadline.
    const grpc::Status status = call_(id, request_id);
    std::optional<Outcome> ended;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Entry& entry = entries_.at(id);
      const absl::Time now = options_.clock();
      if (status.ok()) {
        ended = Outcome::kReleased;
      } else if (!Transient(status)) {
        ended = Outcome::kRefused;
      } else if (now >= entry.give_up_at) {
        ended = Outcome::kGaveUp;
      } else {
        entry.backoff = std::min(entry.backoff * 2, options_.max_retry);
        schedule_.emplace(std::min(now + entry.backoff, entry.give_up_at), id);
      }
      if (ended) entries_.erase(id);
      if (pending_ != nullptr) pending_->Set(static_cast<double>(entries_.size()));
    }
    if (ended == Outcome::kGaveUp || ended == Outcome::kRefused) {
      log::Warn(
          "reservation release not retried any more",
          {{"reservation_id", id}, {"request_id", request_id}, {"error", status.error_message()}});
    }
    if (ended) Count(*ended);
  }
  return due.size();
}

size_t ReservationReleases::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void ReservationReleases::Count(Outcome outcome, double n) {
  if (outcomes_ == nullptr) return;
  outcomes_->Add({{"outcome", OutcomeName(static_cast<int>(outcome))}}).Increment(n);
}

absl::Time ReservationReleases::NextDueLocked() const {
  return schedule_.empty() ? absl::InfiniteFuture() : schedule_.begin()->first;
}

void ReservationReleases::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const absl::Duration wait = NextDueLocked() - options_.clock();
    if (wait > absl::ZeroDuration()) {
      // At most a second at a time, so a clock that is not the wall clock is followed too.
      wake_.wait_for(lock, absl::ToChronoNanoseconds(std::min(wait, absl::Seconds(1))));
      continue;
    }
    lock.unlock();
    RetryDue();
    lock.lock();
  }
}

}  // namespace datamesh::gateway
