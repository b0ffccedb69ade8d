// The operator registry: operators of storage nodes, the nodes they claimed with a proof of
// possession (node_proof.h), and their admission (admission.mode "open", "stake" or
// "proposal"). Admissions and removals are written to governance.outbox as
// governance.operator.admitted / removed in the same transaction; the service publishes the
// outbox after commit.
//
// Every function takes the caller's transaction; an error means the caller rolls back (a
// consumed challenge then stays unused). Thread safety: as the pqxx::work passed in.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/governance/operators/node_proof.h"

namespace datamesh::governance::operators {

inline constexpr absl::Duration kChallengeLifetime = absl::Minutes(10);
inline constexpr double kStartingReputation = 0.5;  // until audits exist

struct OperatorRecord {
  std::string id;
  std::string name;
  std::string account_id;
  std::string state;                  // "pending", "admitted" or "removed"
  std::vector<std::string> node_ids;  // sorted
  int64_t stake = 0;                  // the account's "staked" bucket
};

// What decides admission: the parameters admission.mode and stake.minimumOperator.
struct AdmissionRules {
  std::string mode = "open";  // "open", "stake" or "proposal"
  int64_t minimum_stake = 0;  // micro-tokens, for mode "stake"
};

struct Challenge {
  std::string hex;  // 64 lowercase hex characters
  absl::Time expires_at;
};

// Draws a challenge for `account` valid until now + kChallengeLifetime (and forgets challenges
// expired for a day). INVALID_ARGUMENT: malformed account id.
absl::StatusOr<Challenge> IssueChallenge(pqxx::work& tx, const std::string& account,
                                         absl::Time now);

struct Registration {
  std::string account_id;
  std::string name;                   // 1-100 characters
  std::vector<std::string> node_ids;  // may be empty
  std::string challenge;              // needed when node_ids is not empty
  std::vector<NodeProof> proofs;      // one per node id
};

// Registers an operator and admits it when the rules say so. Errors as the RegisterOperator
// RPC (governance.proto).
absl::StatusOr<OperatorRecord> Register(pqxx::work& tx, const Registration& registration,
                                        absl::Time now, const AdmissionRules& rules,
                                        const std::string& source);

// Adds one proven node to the account's operator. NOT_FOUND: the account runs no operator.
// Other errors as Register.
absl::StatusOr<OperatorRecord> ClaimNode(pqxx::work& tx, const std::string& account,
                                         const std::string& challenge, const NodeProof& proof,
                                         absl::Time now, const std::string& source);

std::optional<OperatorRecord> FindByAccount(pqxx::work& tx, const std::string& account);

struct OperatorPage {
  std::vector<OperatorRecord> operators;
  std::optional<std::string> next_cursor;
};

// Operators ordered by name (byte order), then id. INVALID_ARGUMENT: page size outside 1-1000
// or a cursor this function did not return.
absl::StatusOr<OperatorPage> ListOperators(pqxx::work& tx, int page_size,
                                           const std::string& cursor);

// Applies the rules to `account`'s operator (all operators when empty): in mode "stake", a
// pending operator whose stake reached the minimum is admitted and an admitted one below it
// returns to pending; in mode "open" a pending operator is admitted. Removed operators stay
// removed. Returns how many changed.
absl::StatusOr<int> ReconcileAdmission(pqxx::work& tx, const std::string& account,
                                       const AdmissionRules& rules, const std::string& source);

// Applies an executed proposal: "operator_admission" admits a pending (or removed) operator;
// "operator_removal" removes one. NOT_FOUND: unknown operator; INVALID_ARGUMENT: other types.
// Doing what is already done changes nothing.
absl::Status ApplyProposalDecision(pqxx::work& tx, const std::string& type,
                                   const std::string& operator_id, const std::string& source);

}  // namespace datamesh::governance::operators
