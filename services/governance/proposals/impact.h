// What a parameter change would do, shown on the proposal before the vote (Proposal.impact).
//
//   erasure.dataShards / erasure.parityShards: storage overhead (k + m) / k before and after,
//     node losses tolerated (m). Bytes and time to re-encode existing files are reported as not
//     known: no re-encode job exists yet, so existing files keep their code.
//   tier.<name>.*: how many users are over the new limit is quota's data, not governance's;
//     said so in a note.
//
// Thread-safe: no state.
#pragma once

#include <cstdint>
#include <string>

#include "datamesh/governance/v1/governance.pb.h"
#include "services/governance/proposals/change_validation.h"

namespace datamesh::governance::proposals {

// The impact of `change` (a validated parameter change) given the erasure code in force now.
// Other types give an empty impact.
governance::v1::ProposalImpact ComputeImpact(const std::string& type, const ValidatedChange& change,
                                             int64_t current_k, int64_t current_m);

}  // namespace datamesh::governance::proposals
