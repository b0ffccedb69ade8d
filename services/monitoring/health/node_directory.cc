#include "services/monitoring/health/node_directory.h"

namespace datamesh::monitoring::health {

bool NodeDirectory::OnHeartbeat(const events::v1::NodeHeartbeat& beat, absl::Time now) {
  if (beat.node_id().empty()) return false;
  NodeInfo n{beat.node_id(),        beat.address(),    beat.zone(),
             beat.capacity_bytes(), beat.used_bytes(), true};
  const std::string id = n.id;
  absl::MutexLock lock(&mu_);
  nodes_[id] = {std::move(n), now};
  return true;
}

std::vector<NodeInfo> NodeDirectory::Nodes(absl::Time now) {
  std::vector<NodeInfo> out;
  absl::MutexLock lock(&mu_);
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    const absl::Duration silent = now - it->second.second;
    if (silent > forget_after_) {
      it = nodes_.erase(it);
      continue;
    }
    NodeInfo n = it->second.first;
    n.up = silent <= expiry_;
    out.push_back(std::move(n));
    ++it;
  }
  return out;
}

}  // namespace datamesh::monitoring::health
