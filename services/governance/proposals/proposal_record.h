// A proposal as governance stores it, and the row-level reads and writes of
// governance.proposals, proposal_power, votes and proposal_executions. Every call takes the
// caller's transaction, so a proposal's change commits with its ledger movement and events.
//
// Thread-compatible (as pqxx::work).
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/governance/proposals/tally.h"

namespace datamesh::governance::proposals {

inline constexpr const char* kOpen = "open";
inline constexpr const char* kPassed = "passed";
inline constexpr const char* kRejected = "rejected";
inline constexpr const char* kVetoed = "vetoed";
inline constexpr const char* kExecuted = "executed";
inline constexpr const char* kExpired = "expired";
inline constexpr const char* kFailed = "failed";

// Whether `state` is one of the constants above.
bool IsKnownState(const std::string& state);

struct ExecutionRecord {
  std::string service;
  std::string state;  // "pending", "applied", "failed"
  std::string reason;
  absl::Time time;
};

struct ProposalRecord {
  std::string id;
  int64_t seq = 0;
  std::string title;
  std::string description;
  std::string type;
  std::string change_json;  // a JSON object
  std::string proposer;
  std::string state;
  std::string state_reason;
  int64_t deposit = 0;
  Thresholds thresholds;
  int64_t total_power = 0;
  int64_t yes = 0, no = 0, abstain = 0, veto = 0;
  int64_t enactment_delay_seconds = 0;
  int64_t grace_period_seconds = 0;
  absl::Time opens_at, closes_at;
  std::optional<absl::Time> executable_at, executed_at;
  std::vector<ExecutionRecord> execution;
};

// Inserts a new proposal (state open) and snapshots `power` for it.
void InsertProposal(pqxx::work& tx, const ProposalRecord& p,
                    const std::vector<std::pair<std::string, int64_t>>& power);

// Reads one proposal with its execution entries; nullopt when unknown. `for_update` locks the
// row (votes and the lifecycle worker serialize on it).
std::optional<ProposalRecord> LoadProposal(pqxx::work& tx, const std::string& id, bool for_update);

// Proposals newest first: `state` filters when non-empty, `before_seq` > 0 starts after it.
std::vector<ProposalRecord> LoadPage(pqxx::work& tx, const std::string& state, int64_t before_seq,
                                     int limit);

// Whether the proposer has a live proposal (open, or passed and not executed).
bool HasLiveProposal(pqxx::work& tx, const std::string& proposer);

// The voter's snapshotted power (0 when not in the snapshot).
int64_t SnapshotPower(pqxx::work& tx, const std::string& proposal_id, const std::string& voter);

// Records (or replaces) a vote.
void UpsertVote(pqxx::work& tx, const std::string& proposal_id, const std::string& voter,
                Choice choice, absl::Time at);

// Sums of snapshotted power per choice of the current votes, decided with the proposal's
// thresholds; also stored in the proposal's yes/no/abstain/veto columns.
TallyResult RecountTally(pqxx::work& tx, const ProposalRecord& p);

// Moves the proposal to `state` with its reason and times.
void UpdateState(pqxx::work& tx, const std::string& id, const std::string& state,
                 const std::string& reason, std::optional<absl::Time> executable_at,
                 std::optional<absl::Time> executed_at);

// Sets (or replaces) one owner's execution entry.
void SetExecution(pqxx::work& tx, const std::string& id, const std::string& service,
                  const std::string& state, const std::string& reason, absl::Time at);

// Ids of proposals due for the lifecycle worker at `now`: open ones past closes_at, passed
// ones past executable_at. Oldest first, at most `limit`.
std::vector<std::string> DueProposals(pqxx::work& tx, absl::Time now, int limit);

}  // namespace datamesh::governance::proposals
