#include "services/file-ingest/shard_puts.h"

#include "services/file-ingest/worker_pool.h"

namespace datamesh::file_ingest {

std::shared_ptr<ShardPuts> ShardPuts::Create(int shards, TransferPools* pools) {
  return std::make_shared<ShardPuts>(shards, pools != nullptr ? pools : &TransferPools::Shared());
}

void ShardPuts::Start(int i, ShardStore& store, NodeRef node, std::string shard_id,
                      std::string_view data, std::shared_ptr<const void> keep_alive) {
  // On the process's shard I/O pool; the write is never waited for through its future (the
  // result lands in results_), so the future is dropped.
  pools_->shard_io().Submit([self = shared_from_this(), i, &store, node = std::move(node),
                             shard_id = std::move(shard_id), data,
                             keep_alive = std::move(keep_alive)] {
    absl::Status status = store.Put(node, shard_id, data, self->cancels_[i]);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->results_[i] = std::move(status);
    self->ended_.notify_all();
  });
}

std::vector<int> ShardPuts::WaitAny(absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  auto fresh = [&] {
    std::vector<int> out;
    for (size_t i = 0; i < results_.size(); ++i) {
      if (results_[i].has_value() && !reported_[i]) out.push_back(static_cast<int>(i));
    }
    return out;
  };
  auto all_reported = [&] {
    for (bool r : reported_) {
      if (!r) return false;
    }
    return true;
  };
  std::vector<int> out = fresh();
  while (out.empty() && !all_reported()) {
    if (deadline == absl::InfiniteFuture()) {
      ended_.wait(lock);
    } else if (ended_.wait_until(lock, absl::ToChronoTime(deadline)) == std::cv_status::timeout) {
      out = fresh();
      break;
    }
    out = fresh();
  }
  for (int i : out) reported_[i] = true;
  return out;
}

absl::Status ShardPuts::Wait(int i) {
  std::unique_lock<std::mutex> lock(mu_);
  ended_.wait(lock, [&] { return results_[i].has_value(); });
  reported_[i] = true;
  return *results_[i];
}

std::optional<absl::Status> ShardPuts::Result(int i) {
  std::lock_guard<std::mutex> lock(mu_);
  return results_[i];
}

}  // namespace datamesh::file_ingest
