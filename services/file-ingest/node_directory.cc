#include "services/file-ingest/node_directory.h"

#include <utility>

#include "shared/log/log.h"

namespace datamesh::file_ingest {

NodeDirectory::NodeDirectory(Lister list, absl::Duration max_age, absl::Duration min_gap,
                             Clock clock)
    : list_(std::move(list)), max_age_(max_age), min_gap_(min_gap), clock_(std::move(clock)) {}

std::string NodeDirectory::AddressOf(const NodeRef& node) {
  bool known = false;
  bool stale = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    known = address_.count(node.id) > 0;
    stale = clock_() - refreshed_at_ >= max_age_;
  }
  // An unknown id is worth a (rate-limited) look: the node may have joined since.
  RefreshIf(stale || !known);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = address_.find(node.id);
  return it != address_.end() ? it->second : node.address;
}

void NodeDirectory::Failed(const NodeRef& /*node*/) { RefreshIf(true); }

void NodeDirectory::Learn(const NodeRef& node) {
  if (node.id.empty() || node.address.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  address_[node.id] = node.address;
}

void NodeDirectory::Refresh() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tried_at_ = absl::InfinitePast();
  }
  RefreshIf(true);
}

void NodeDirectory::RefreshIf(bool due) {
  if (!due) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = clock_();
    if (refreshing_ || now - tried_at_ < min_gap_) return;
    refreshing_ = true;
    tried_at_ = now;
  }
  absl::StatusOr<std::vector<NodeRef>> nodes = list_();
  std::lock_guard<std::mutex> lock(mu_);
  refreshing_ = false;
  if (!nodes.ok()) {
    // Keep what we had: the manifest's or the last known addresses still work for nodes that
    // did not move.
    log::Warn("node directory: the dht's node list is unavailable",
              {{"error", nodes.status().ToString()}});
    return;
  }
  for (const NodeRef& node : *nodes) {
    if (!node.id.empty() && !node.address.empty()) address_[node.id] = node.address;
  }
  refreshed_at_ = clock_();
}

}  // namespace datamesh::file_ingest
