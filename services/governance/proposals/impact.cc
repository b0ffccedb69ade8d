#include "services/governance/proposals/impact.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace datamesh::governance::proposals {

governance::v1::ProposalImpact ComputeImpact(const std::string& type, const ValidatedChange& change,
                                             int64_t current_k, int64_t current_m) {
  governance::v1::ProposalImpact impact;
  if (type != kParameterChange) return impact;
  int64_t k = current_k, m = current_m;
  bool erasure = false, tier = false;
  for (const auto& [key, json] : change.parameters) {
    if (key == "erasure.dataShards") erasure = absl::SimpleAtoi(json, &k) || erasure;
    if (key == "erasure.parityShards") erasure = absl::SimpleAtoi(json, &m) || erasure;
    tier = tier || absl::StartsWith(key, "tier.");
  }
  if (erasure && k > 0 && current_k > 0) {
    governance::v1::ErasureImpact* e = impact.mutable_erasure();
    e->set_data_shards(static_cast<uint32_t>(k));
    e->set_parity_shards(static_cast<uint32_t>(m));
    e->set_storage_overhead(static_cast<double>(k + m) / static_cast<double>(k));
    e->set_current_storage_overhead(static_cast<double>(current_k + current_m) /
                                    static_cast<double>(current_k));
    e->set_node_losses_tolerated(static_cast<uint32_t>(m));
    e->set_reencode_known(false);
    impact.add_notes(
        "applies to new uploads only: existing files keep their code (no re-encode job yet), "
        "so bytes and time to re-encode are not known");
  }
  if (tier) {
    impact.add_notes("users over the new tier limits: not available (quota's data)");
  }
  return impact;
}

}  // namespace datamesh::governance::proposals
