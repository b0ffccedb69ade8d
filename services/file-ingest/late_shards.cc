#include "services/file-ingest/late_shards.h"

#include <utility>

#include "absl/time/clock.h"
#include "shared/log/log.h"

namespace datamesh::file_ingest {
namespace {

// How often running writes are looked at; a write's end is recorded at most this late.
constexpr absl::Duration kPoll = absl::Milliseconds(100);

}  // namespace

// Touched by the settling thread only (SettleEnded), after Settle made it.
struct SettleGroup {
  size_t remaining = 0;
  uint64_t stored = 0;
  uint64_t missing = 0;
  LateShards::AllEndedFn all_ended;
};

LateShards::LateShards(uint64_t budget_bytes, SettleFn settle, std::function<void()> on_missing,
                       prometheus::Registry* metrics)
    : budget_(budget_bytes), settle_(std::move(settle)), on_missing_(std::move(on_missing)) {
  if (metrics != nullptr) {
    auto& writes = prometheus::BuildCounter()
                       .Name("datamesh_file_ingest_late_shard_writes_total")
                       .Help(
                           "Shard writes a segment did not wait for (left_running), and how "
                           "they ended: stored, or missing (repair writes the shard)")
                       .Register(*metrics);
    left_running_ = &writes.Add({{"outcome", "left_running"}});
    landed_ = &writes.Add({{"outcome", "stored"}});
    failed_ = &writes.Add({{"outcome", "missing"}});
    held_gauge_ = &prometheus::BuildGauge()
                       .Name("datamesh_file_ingest_late_shard_bytes_held")
                       .Help("Encoded segment bytes held for shard writes still running")
                       .Register(*metrics)
                       .Add({});
  }
  loop_ = std::thread([this] { Loop(); });
}

void LateShards::CountLeftRunning(size_t writes) {
  if (left_running_ != nullptr) left_running_->Increment(static_cast<double>(writes));
}

LateShards::~LateShards() {
  std::vector<LateWrite> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    left = pending_;
    left.insert(left.end(), abandoned_.begin(), abandoned_.end());
  }
  wake_.notify_all();
  loop_.join();
  // Nothing may run past this object: the stores the writes use go next.
  for (LateWrite& w : left) w.puts->Cancel(w.shard);
  for (LateWrite& w : left) (void)w.puts->Wait(w.shard);
}

std::shared_ptr<void> LateShards::Reserve(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (held_ + bytes > budget_) return nullptr;
  held_ += bytes;
  if (held_gauge_ != nullptr) held_gauge_->Set(static_cast<double>(held_));
  // Not null (callers test it): the handle points at the budget it holds a share of.
  return std::shared_ptr<void>(static_cast<void*>(&held_), [this, bytes](void*) {
    std::lock_guard<std::mutex> lock(mu_);
    held_ -= bytes;
    if (held_gauge_ != nullptr) held_gauge_->Set(static_cast<double>(held_));
  });
}

void LateShards::Settle(std::vector<LateWrite> writes, AllEndedFn all_ended) {
  if (writes.empty()) return;
  std::shared_ptr<SettleGroup> group;
  if (all_ended) {
    group = std::make_shared<SettleGroup>();
    group->remaining = writes.size();
    group->all_ended = std::move(all_ended);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (LateWrite& w : writes) {
      w.group = group;
      pending_.push_back(std::move(w));
    }
  }
  wake_.notify_all();
}

void LateShards::Abandon(std::vector<LateWrite> writes) {
  for (LateWrite& w : writes) w.puts->Cancel(w.shard);
  // They end on their own threads soon; kept until then so the destructor can wait for them.
  std::lock_guard<std::mutex> lock(mu_);
  for (LateWrite& w : writes) abandoned_.push_back(std::move(w));
}

uint64_t LateShards::held_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_;
}

size_t LateShards::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

void LateShards::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, absl::ToChronoNanoseconds(kPoll));
    if (stop_) break;
    lock.unlock();
    SettleEnded();
    lock.lock();
  }
}

void LateShards::SettleEnded() {
  std::vector<std::pair<SettledShard, std::shared_ptr<SettleGroup>>> ended_shards;
  std::vector<LateWrite> ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ended_shards.swap(unrecorded_);
    std::erase_if(abandoned_,
                  [](const LateWrite& w) { return w.puts->Result(w.shard).has_value(); });
    for (size_t i = 0; i < pending_.size();) {
      std::optional<absl::Status> result = pending_[i].puts->Result(pending_[i].shard);
      if (!result.has_value()) {
        ++i;
        continue;
      }
      pending_[i].where.written = result->ok();
      ended_shards.emplace_back(pending_[i].where, pending_[i].group);
      ended.push_back(std::move(pending_[i]));
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  ended.clear();  // their reservations return to the budget
  if (ended_shards.empty()) return;
  std::vector<SettledShard> batch;
  batch.reserve(ended_shards.size());
  for (const auto& [shard, group] : ended_shards) batch.push_back(shard);
  absl::Status recorded = settle_(batch);
  if (!recorded.ok()) {
    log::Warn("could not record how late shard writes ended; retrying",
              {{"error", recorded.ToString()}, {"shards", static_cast<int64_t>(batch.size())}});
    std::lock_guard<std::mutex> lock(mu_);
    unrecorded_.insert(unrecorded_.end(), ended_shards.begin(), ended_shards.end());
    return;
  }
  for (const auto& [shard, group] : ended_shards) {
    if (group == nullptr) continue;
    ++(shard.written ? group->stored : group->missing);
    if (--group->remaining == 0) group->all_ended(group->stored, group->missing);
  }
  for (const SettledShard& s : batch) {
    prometheus::Counter* outcome = s.written ? landed_ : failed_;
    if (outcome != nullptr) outcome->Increment();
    if (!s.written) {
      log::Info("a late shard write failed; repair will write the shard",
                {{"content_id", s.content_id},
                 {"segment", static_cast<int64_t>(s.segment_index)},
                 {"node", s.node_id}});
    }
  }
  for (const SettledShard& s : batch) {
    if (!s.written) {
      if (on_missing_) on_missing_();
      break;
    }
  }
}

}  // namespace datamesh::file_ingest
