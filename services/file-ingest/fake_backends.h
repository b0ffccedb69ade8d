// Test-only in-process fakes of the storage seams (shard_backend.h): a fixed node list for
// placement and a map for shards, with switches to kill nodes and corrupt shards.
// Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "services/file-ingest/manifest.h"
#include "services/file-ingest/shard_backend.h"

namespace datamesh::file_ingest {

class FakePlacement : public Placement {
 public:
  explicit FakePlacement(int nodes) {
    for (int i = 0; i < nodes; ++i) {
      nodes_.push_back({"node-" + std::to_string(i), "addr-" + std::to_string(i)});
    }
  }
  absl::StatusOr<std::vector<NodeRef>> Place(const std::string& key, int n, uint64_t,
                                             const std::vector<std::string>& exclude,
                                             bool allow_fewer) override {
    std::vector<NodeRef> out;
    for (const NodeRef& node : nodes_) {
      if (static_cast<int>(out.size()) == n) break;
      if (std::find(exclude.begin(), exclude.end(), node.id) == exclude.end()) {
        out.push_back(node);
      }
    }
    if (static_cast<int>(out.size()) < n && !allow_fewer) {
      return absl::UnavailableError("not enough nodes");
    }
    return out;
  }
  absl::StatusOr<std::set<std::string>> UpNodes() override {
    std::set<std::string> up;
    for (const NodeRef& n : nodes_) up.insert(n.id);
    return up;
  }

 private:
  std::vector<NodeRef> nodes_;
};

class FakeShardStore : public ShardStore {
 public:
  // Writes to a node whose writes hang (Hang) wait until Release or until cancelled.
  absl::Status Put(const NodeRef& node, const std::string& id, std::string_view data,
                   CallCancel& cancel) override {
    if (!WaitWhileHanging(hanging_, node.id, cancel)) return absl::CancelledError("cancelled");
    return Put(node, id, data);
  }
  absl::Status Put(const NodeRef& node, const std::string& id, std::string_view data) override {
    int now = ++concurrent_;
    int seen = max_concurrent_.load();
    while (now > seen && !max_concurrent_.compare_exchange_weak(seen, now)) {
    }
    std::lock_guard<std::mutex> lock(mu_);
    --concurrent_;
    if (dead_.count(node.id)) return absl::UnavailableError("node down");
    if (auto it = failing_puts_.find(node.id); it != failing_puts_.end() && it->second > 0) {
      --it->second;
      return absl::UnavailableError("connection reset");
    }
    shards_[{node.id, id}] = std::string(data);
    return absl::OkStatus();
  }
  // Reads from a node whose reads hang (HangReads) wait until Release or until cancelled.
  absl::Status GetInto(const NodeRef& node, const std::string& id, std::span<uint8_t> out,
                       CallCancel& cancel) override {
    if (!WaitWhileHanging(hanging_reads_, node.id, cancel)) {
      return absl::CancelledError("cancelled");
    }
    return GetInto(node, id, out);
  }
  absl::Status GetInto(const NodeRef& node, const std::string& id,
                       std::span<uint8_t> out) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++gets_;
    if (dead_.count(node.id)) return absl::UnavailableError("node down");
    auto it = shards_.find({node.id, id});
    if (it == shards_.end()) return absl::NotFoundError("no shard");
    if (it->second.size() != out.size()) return absl::DataLossError("size");
    std::memcpy(out.data(), it->second.data(), out.size());
    return absl::OkStatus();
  }
  absl::Status Delete(const NodeRef& node, const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    shards_.erase({node.id, id});
    return absl::OkStatus();
  }
  void Kill(const std::string& node) {
    std::lock_guard<std::mutex> lock(mu_);
    dead_.insert(node);
  }
  // The next `count` PUTs to `node` fail as a passing fault would.
  void FailNextPuts(const std::string& node, int count) {
    std::lock_guard<std::mutex> lock(mu_);
    failing_puts_[node] = count;
  }
  void Hang(const std::string& node) {
    std::lock_guard<std::mutex> lock(hang_mu_);
    hanging_.insert(node);
  }
  void HangReads(const std::string& node) {
    std::lock_guard<std::mutex> lock(hang_mu_);
    hanging_reads_.insert(node);
  }
  // Ends the hang of writes and reads to `node`.
  void Release(const std::string& node) {
    std::lock_guard<std::mutex> lock(hang_mu_);
    hanging_.erase(node);
    hanging_reads_.erase(node);
    hang_cv_.notify_all();
  }
  int hung() {
    std::lock_guard<std::mutex> lock(hang_mu_);
    return hung_;
  }
  bool Holds(const std::string& node, const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return shards_.count({node, id}) > 0;
  }
  void Corrupt(const ShardRecord& s) {
    std::lock_guard<std::mutex> lock(mu_);
    shards_[{s.node.id, s.shard_id}][0] ^= 0x55;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return shards_.size();
  }
  int gets() {
    std::lock_guard<std::mutex> lock(mu_);
    return gets_;
  }
  std::atomic<int> max_concurrent_{0};

 private:
  // Waits while `node` is in `set`; false when `cancel` ended the wait.
  bool WaitWhileHanging(const std::set<std::string>& set, const std::string& node,
                        CallCancel& cancel) {
    std::unique_lock<std::mutex> lock(hang_mu_);
    if (!set.count(node)) return true;
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    if (!cancel.SetAbort([cancelled] { cancelled->store(true); })) return false;
    ++hung_;
    // Polled: the abort hook must not block on hang_mu_.
    while (!cancelled->load() && set.count(node)) {
      hang_cv_.wait_for(lock, std::chrono::milliseconds(5));
    }
    --hung_;
    lock.unlock();
    cancel.SetAbort(nullptr);
    return !cancelled->load();
  }

  std::mutex mu_;
  std::atomic<int> concurrent_{0};
  std::map<std::pair<std::string, std::string>, std::string> shards_;
  std::set<std::string> dead_;
  std::map<std::string, int> failing_puts_;
  int gets_ = 0;
  std::mutex hang_mu_;
  std::condition_variable hang_cv_;
  std::set<std::string> hanging_;        // nodes whose writes hang
  std::set<std::string> hanging_reads_;  // nodes whose reads hang
  int hung_ = 0;
};

}  // namespace datamesh::file_ingest
