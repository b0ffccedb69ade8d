#include "services/dht/membership.h"

#include <algorithm>

namespace datamesh::dht {
namespace {

bool DetailsDiffer(const NodeInfo& a, const NodeInfo& b) {
  return a.address != b.address || a.zone != b.zone || a.capacity_bytes != b.capacity_bytes ||
         a.health != b.health || a.operator_id != b.operator_id;
}

}  // namespace

void Membership::Load(const std::vector<NodeInfo>& nodes, absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, entry] : nodes_) {
    if (entry.info.state == NodeState::kUp) routing_.Remove(id);
  }
  nodes_.clear();
  for (const NodeInfo& node : nodes) {
    Entry& entry = nodes_[node.id];
    entry.info = node;
    entry.liveness_since = std::max(node.last_seen, now);
    entry.registered = true;
    entry.recorded = node.state;
    if (node.state == NodeState::kUp) routing_.Insert(node.id);
  }
}

Membership::Change Membership::Observe(const NodeInfo& beat, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = nodes_.try_emplace(beat.id);
  Entry& entry = it->second;
  const bool details_changed = !inserted && DetailsDiffer(entry.info, beat);
  const bool returned = !inserted && entry.info.state == NodeState::kDown;
  const absl::Time first_seen = inserted ? now : entry.info.first_seen;
  entry.info = beat;
  entry.info.state = NodeState::kUp;
  entry.info.first_seen = first_seen;
  entry.info.last_seen = now;
  entry.liveness_since = now;
  entry.dirty = true;
  if (inserted || returned) routing_.Insert(beat.id);
  if (inserted) return Change::kJoined;
  if (returned) return Change::kReturned;
  return details_changed ? Change::kDetails : Change::kCounters;
}

std::vector<NodeInfo> Membership::ExpireSilent(absl::Time now, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  std::vector<NodeInfo> expired;
  for (auto& [id, entry] : nodes_) {
    if (entry.info.state != NodeState::kUp || now - entry.liveness_since <= timeout) continue;
    entry.info.state = NodeState::kDown;
    routing_.Remove(id);
    expired.push_back(entry.info);
  }
  return expired;
}

std::vector<Membership::Pending> Membership::PendingTransitions() const {
  absl::MutexLock lock(&mu_);
  std::vector<Pending> out;
  for (const auto& [id, entry] : nodes_) {
    if (!entry.registered || entry.recorded != entry.info.state) {
      out.push_back({entry.info, entry.registered});
    }
  }
  return out;
}

void Membership::MarkRecorded(const NodeId& id, NodeState state) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return;
  it->second.registered = true;
  it->second.recorded = state;
}

std::vector<NodeInfo> Membership::TakeDirty() {
  absl::MutexLock lock(&mu_);
  std::vector<NodeInfo> out;
  for (auto& [id, entry] : nodes_) {
    if (!entry.dirty || !entry.registered) continue;
    entry.dirty = false;
    out.push_back(entry.info);
  }
  return out;
}

void Membership::MarkDirty(const std::vector<NodeInfo>& nodes) {
  absl::MutexLock lock(&mu_);
  for (const NodeInfo& node : nodes) {
    auto it = nodes_.find(node.id);
    if (it != nodes_.end()) it->second.dirty = true;
  }
}

std::optional<NodeInfo> Membership::Get(const NodeId& id) const {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return std::nullopt;
  return it->second.info;
}

std::vector<NodeInfo> Membership::UpNodes() const {
  absl::MutexLock lock(&mu_);
  std::vector<NodeInfo> out;
  for (const auto& [id, entry] : nodes_) {
    if (entry.info.state == NodeState::kUp) out.push_back(entry.info);
  }
  return out;
}

std::vector<NodeInfo> Membership::Nearest(const NodeId& key, size_t count) const {
  absl::MutexLock lock(&mu_);
  std::vector<NodeInfo> out;
  for (const NodeId& id : routing_.Nearest(key, count)) out.push_back(nodes_.at(id).info);
  for (const auto& [id, entry] : nodes_) {
    if (entry.info.state == NodeState::kDown) out.push_back(entry.info);
  }
  std::sort(out.begin(), out.end(),
            [&](const NodeInfo& a, const NodeInfo& b) { return Nearer(key, a.id, b.id); });
  if (out.size() > count) out.resize(count);
  return out;
}

std::vector<NodeInfo> Membership::List(std::optional<NodeState> state,
                                       const std::optional<NodeId>& after, size_t limit,
                                       bool* more) const {
  absl::MutexLock lock(&mu_);
  std::vector<NodeInfo> out;
  *more = false;
  auto it = after ? nodes_.upper_bound(*after) : nodes_.begin();
  for (; it != nodes_.end(); ++it) {
    if (state && it->second.info.state != *state) continue;
    if (out.size() == limit) {
      *more = true;
      break;
    }
    out.push_back(it->second.info);
  }
  return out;
}

size_t Membership::Count(NodeState state) const {
  absl::MutexLock lock(&mu_);
  return std::count_if(nodes_.begin(), nodes_.end(),
                       [&](const auto& kv) { return kv.second.info.state == state; });
}

}  // namespace datamesh::dht
