// AdmissionView: one dht replica's copy of what governance decided about storage nodes — which
// operator claimed each node, whether that operator is admitted, whether the node is vetted or
// disqualified — and the share of placements unvetted nodes take part in.
//
// The durable truth is PostgreSQL (admission_store.h), written by whichever replica's consumer
// handles a governance event (admission_consumer.h); every replica replaces its view from there
// after handling an event and every --admission-refresh, so replicas agree within that period.
//
// With admission not enforced (--node-admission=off) every node is admitted and vetted and the
// view is never filled.
//
// Thread-safe: every method takes the internal mutex; results are copies.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/dht/node.h"

namespace datamesh::dht {

// What the store holds: governance's decisions per node and the learnt placement share.
struct AdmissionSnapshot {
  std::map<NodeId, NodeAdmission> nodes;  // nodes governance has said anything about
  std::optional<double> unvetted_share;   // set by an executed proposal; else the flag's
};

class AdmissionView {
 public:
  // `enforced`: whether governance decides (--node-admission=governance). `default_share`:
  // the vetting.placementShare used until a proposal sets one, 0..1.
  AdmissionView(bool enforced, double default_share)
      : enforced_(enforced), default_share_(default_share) {}

  bool enforced() const { return enforced_; }

  // Replaces the view with `snapshot` (a fresh read of the store).
  void Replace(AdmissionSnapshot snapshot);

  // Governance's decisions about `id`: unknown nodes are neither admitted nor vetted when
  // enforced; everything is admitted and vetted when not.
  NodeAdmission For(const NodeId& id) const;

  // Sets node.admission from For(node.id) for each node.
  void Annotate(std::vector<NodeInfo>& nodes) const;
  void Annotate(NodeInfo& node) const;

  // The share of placement keys unvetted nodes take part in (PlacementRequest::unvetted_share):
  // 1 when not enforced.
  double unvetted_share() const;

 private:
  const bool enforced_;
  const double default_share_;
  mutable absl::Mutex mu_;
  AdmissionSnapshot snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamesh::dht
