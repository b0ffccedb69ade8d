// Proposals and parameters between governance's records and the API's messages.
//
// Thread-safe: no state.
#pragma once

#include "datamesh/governance/v1/governance.pb.h"
#include "services/governance/params/param_registry.h"
#include "services/governance/params/parameter_table.h"
#include "services/governance/proposals/proposal_record.h"

namespace datamesh::governance {

// Everything but the impact (the caller adds it). DATA_LOSS when the stored change is not a
// JSON object.
absl::StatusOr<governance::v1::Proposal> ToProto(const proposals::ProposalRecord& p);

absl::StatusOr<governance::v1::Parameter> ToProto(const params::ParamSpec& spec,
                                                  const params::ParameterRow& row);

}  // namespace datamesh::governance
