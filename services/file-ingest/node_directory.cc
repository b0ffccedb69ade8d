#include "services/file-ingest/node_directory.h"

#include <utility>

#include "shared/log/log.h"

namespace datamesh::file_ingest {

NodeDirectory::NodeDirectory(Lister list, absl::Duration max_age, absl::Duration min_gap,
                             absl::Duration failure_gap, Clock clock)
    : list_(std::move(list)),
      max_age_(max_age),
      min_gap_(min_gap),
      failure_gap_(failure_gap),
      clock_(std::move(clock)) {}

std::string NodeDirectory::AddressOf(const NodeRef& node) {
  bool due = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = clock_();
    // An unknown id is worth a look (the node may have joined since), as is a stale cache.
    due = (address_.count(node.id) == 0 || now - refreshed_at_ >= max_age_) &&
          now - tried_at_ >= min_gap_;
  }
  if (due) {
    std::unique_lock<std::mutex> refreshing(refresh_mu_, std::try_to_lock);
    if (refreshing.owns_lock()) ReadList();  // else someone is at it: use what is cached
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = address_.find(node.id);
  return it != address_.end() ? it->second : node.address;
}

void NodeDirectory::Failed(const NodeRef& node) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = clock_();
    auto [it, fresh] = failed_at_.try_emplace(node.id, absl::InfinitePast());
    if (now - it->second < failure_gap_) return;
    it->second = now;
  }
  std::lock_guard<std::mutex> refreshing(refresh_mu_);
  ReadList();
}

void NodeDirectory::Learn(const NodeRef& node) {
  if (node.id.empty() || node.address.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  address_[node.id] = node.address;
}

void NodeDirectory::Refresh() {
  std::lock_guard<std::mutex> refreshing(refresh_mu_);
  ReadList();
}

void NodeDirectory::ReadList() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tried_at_ = clock_();
  }
  absl::StatusOr<std::vector<NodeRef>> nodes = list_();
  if (!nodes.ok()) {
    // Keep what we had: the manifest's or the last known addresses still work for nodes that
    // did not move.
    log::Warn("node directory: the dht's node list is unavailable",
              {{"error", nodes.status().ToString()}});
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const NodeRef& node : *nodes) {
    if (!node.id.empty() && !node.address.empty()) address_[node.id] = node.address;
  }
  refreshed_at_ = clock_();
}

}  // namespace datamesh::file_ingest
