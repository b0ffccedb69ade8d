#include "services/governance/proposals/impact.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace datamesh::governance::proposals {

namespace {

// Files and bytes not in shape k+m, and the seconds they take at the throttle (rounded up).
void SetReencode(const StoredUsage& stored, int64_t k, int64_t m,
                 governance::v1::ErasureImpact* e) {
  uint64_t files = 0, bytes = 0;
  for (const StoredShape& s : stored.shapes) {
    if (s.data_shards == k && s.parity_shards == m) continue;
    files += s.files;
    bytes += s.sealed_bytes;
  }
  const uint64_t rate = stored.reencode_bytes_per_second;
  e->set_reencode_known(true);
  e->set_reencode_files(files);
  e->set_reencode_bytes(bytes);
  e->set_reencode_throttle_bytes_per_second(rate);
  e->set_reencode_seconds(rate == 0 ? 0 : (bytes + rate - 1) / rate);
}

}  // namespace

bool ChangesErasure(const ValidatedChange& change) {
  for (const auto& [key, json] : change.parameters) {
    if (key == "erasure.dataShards" || key == "erasure.parityShards") return true;
  }
  return false;
}

governance::v1::ProposalImpact ComputeImpact(const std::string& type, const ValidatedChange& change,
                                             int64_t current_k, int64_t current_m,
                                             const StoredUsage* stored) {
  governance::v1::ProposalImpact impact;
  if (type != kParameterChange) return impact;
  if (stored != nullptr && stored->current_data_shards > 0 && stored->current_parity_shards > 0) {
    current_k = stored->current_data_shards;
    current_m = stored->current_parity_shards;
  }
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
    if (stored != nullptr) {
      SetReencode(*stored, k, m, e);
      impact.add_notes(
          "applies to new uploads at once; file-ingest's re-encode job then moves existing "
          "files to the new code (reencode_bytes at reencode_throttle_bytes_per_second)");
    } else {
      e->set_reencode_known(false);
      impact.add_notes(
          "applies to new uploads at once and file-ingest re-encodes existing files; how many "
          "bytes is not known (file-ingest did not report what it stores)");
    }
  }
  if (tier) {
    impact.add_notes("users over the new tier limits: not available (quota's data)");
  }
  return impact;
}

}  // namespace datamesh::governance::proposals
