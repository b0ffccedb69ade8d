#include "services/dht/admission.h"

#include <utility>

namespace datamesh::dht {

void AdmissionView::Replace(AdmissionSnapshot snapshot) {
  absl::MutexLock lock(&mu_);
  snapshot_ = std::move(snapshot);
}

NodeAdmission AdmissionView::For(const NodeId& id) const {
  if (!enforced_) return NodeAdmission{};
  absl::MutexLock lock(&mu_);
  auto it = snapshot_.nodes.find(id);
  if (it != snapshot_.nodes.end()) return it->second;
  // A node no operator has claimed: heartbeats alone earn no data.
  return NodeAdmission{.operator_id = "", .admitted = false, .vetted = false};
}

void AdmissionView::Annotate(std::vector<NodeInfo>& nodes) const {
  for (NodeInfo& node : nodes) Annotate(node);
}

void AdmissionView::Annotate(NodeInfo& node) const { node.admission = For(node.id); }

double AdmissionView::unvetted_share() const {
  if (!enforced_) return 1.0;
  absl::MutexLock lock(&mu_);
  return snapshot_.unvetted_share.value_or(default_share_);
}

}  // namespace datamesh::dht
