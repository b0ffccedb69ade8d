#include "services/file-ingest/segment_budget.h"

#include <utility>

namespace datamesh::file_ingest {

SegmentBudget::Grant& SegmentBudget::Grant::operator=(Grant&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = other.bytes_;
  }
  return *this;
}

void SegmentBudget::Grant::Release() {
  if (budget_ != nullptr) std::exchange(budget_, nullptr)->Give(bytes_);
}

void SegmentBudget::Grant::ShrinkTo(uint64_t bytes) {
  if (budget_ == nullptr || bytes >= bytes_) return;
  budget_->Give(bytes_ - bytes);
  bytes_ = bytes;
}

SegmentBudget::SegmentBudget(uint64_t capacity_bytes, prometheus::Registry* metrics)
    : capacity_(capacity_bytes) {
  if (metrics == nullptr) return;
  auto& bytes = prometheus::BuildGauge()
                    .Name("datamesh_file_ingest_segment_budget_bytes")
                    .Help(
                        "Memory uploads' segments may hold at once (capacity) and hold now "
                        "(held): plaintext being filled, queued, and its shard block")
                    .Register(*metrics);
  held_gauge_ = &bytes.Add({{"state", "held"}});
  bytes.Add({{"state", "capacity"}}).Set(static_cast<double>(capacity_));
  waiting_gauge_ = &prometheus::BuildGauge()
                        .Name("datamesh_file_ingest_segment_budget_waiting")
                        .Help("Uploads waiting for segment memory now (not reading their stream)")
                        .Register(*metrics)
                        .Add({});
  waits_ = &prometheus::BuildCounter()
                .Name("datamesh_file_ingest_segment_budget_waits_total")
                .Help("Segments whose upload had to wait for memory before buffering them")
                .Register(*metrics)
                .Add({});
}

SegmentBudget::Grant SegmentBudget::Acquire(uint64_t bytes) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t ticket = next_ticket_++;
  // Fits when it is this call's turn and the bytes are free -- or nothing is held at all, so a
  // charge over the whole capacity still goes through (alone).
  auto fits = [&] {
    return ticket == serving_ticket_ && (held_ + bytes <= capacity_ || held_ == 0);
  };
  if (!fits()) {
    ++waiting_;
    if (waits_ != nullptr) waits_->Increment();
    Publish();
    changed_.wait(lock, fits);
    --waiting_;
  }
  held_ += bytes;
  ++serving_ticket_;
  Publish();
  lock.unlock();
  // The next in line may fit too.
  changed_.notify_all();
  return Grant(this, bytes);
}

SegmentBudget::Grant SegmentBudget::TryAcquire(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_ticket_ != serving_ticket_ || held_ + bytes > capacity_) return Grant();
  ++next_ticket_;
  ++serving_ticket_;
  held_ += bytes;
  Publish();
  return Grant(this, bytes);
}

void SegmentBudget::Give(uint64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_ -= bytes;
    Publish();
  }
  changed_.notify_all();
}

uint64_t SegmentBudget::held() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_;
}

int SegmentBudget::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

void SegmentBudget::Publish() {
  if (held_gauge_ != nullptr) held_gauge_->Set(static_cast<double>(held_));
  if (waiting_gauge_ != nullptr) waiting_gauge_->Set(waiting_);
}

}  // namespace datamesh::file_ingest
