// What a parameter change would do, shown on the proposal before the vote (Proposal.impact).
//
//   erasure.dataShards / erasure.parityShards: storage overhead (k + m) / k before and after,
//     node losses tolerated (m), and -- when file-ingest reported what it stores by shape
//     (stored_usage.h) -- the files and sealed bytes file-ingest's re-encode job will move
//     (every shape but the new one) and the time that takes at its throttle. Without that
//     report they are said to be not known.
//   tier.<name>.*: how many users are over the new limit is quota's data, not governance's;
//     said so in a note.
//
// Thread-safe: no state.
#pragma once

#include <cstdint>
#include <string>

#include "datamesh/governance/v1/governance.pb.h"
#include "services/governance/proposals/change_validation.h"
#include "services/governance/proposals/stored_usage.h"

namespace datamesh::governance::proposals {

// The impact of `change` (a validated parameter change) given the erasure code in force now
// (file-ingest's, from `stored`, when it reported one) and, when known, what is stored in each
// shape. Other types give an empty impact.
governance::v1::ProposalImpact ComputeImpact(const std::string& type, const ValidatedChange& change,
                                             int64_t current_k, int64_t current_m,
                                             const StoredUsage* stored = nullptr);

// Whether `change` touches the erasure shape (so its impact wants StoredUsage).
bool ChangesErasure(const ValidatedChange& change);

}  // namespace datamesh::governance::proposals
