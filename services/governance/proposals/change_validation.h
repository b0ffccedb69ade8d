// What a proposal may change, by type, checked before anything is written:
//   parameter_change    {"<key>": value, ...}  keys and values checked against the registry
//   operator_admission  {"operatorId": "..."}
//   operator_removal    {"operatorId": "..."}
//   treasury_spend      {"accountId": "...", "amount": <micro-tokens, integer or string>}
//   text                {} (no effect)
// Every error is INVALID_ARGUMENT with a message naming the offending key.
//
// Thread-safe: no state.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"

namespace datamesh::governance::proposals {

inline constexpr const char* kParameterChange = "parameter_change";
inline constexpr const char* kOperatorAdmission = "operator_admission";
inline constexpr const char* kOperatorRemoval = "operator_removal";
inline constexpr const char* kTreasurySpend = "treasury_spend";
inline constexpr const char* kText = "text";

struct ValidatedChange {
  // parameter_change: key -> the value as JSON text for governance.parameters, by key.
  std::vector<std::pair<std::string, std::string>> parameters;
  std::string operator_id;  // operator_admission / operator_removal
  std::string account_id;   // treasury_spend
  int64_t amount = 0;       // treasury_spend, micro-tokens, > 0
};

// 1-128 characters of [A-Za-z0-9_.:-]: user, account and operator ids.
bool IsValidId(const std::string& id);

absl::StatusOr<ValidatedChange> ValidateChange(const std::string& type,
                                               const google::protobuf::Struct& change);

// Services other than governance that apply part of an executed parameter change (they
// answer with governance.change.applied): quota for tier.*, file-ingest for erasure.*.
std::set<std::string> ExternalOwners(const std::string& type, const ValidatedChange& change);

}  // namespace datamesh::governance::proposals
