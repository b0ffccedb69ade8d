// ProposalBook: opening proposals, casting votes and reading them back. Each call is one
// PostgreSQL transaction: a proposal opens together with its deposit's ledger movement and its
// voting-power snapshot; a vote is recorded together with the recounted tally. Nothing is
// written when a call fails.
//
// Closing and executing are the lifecycle worker's (lifecycle.h).
//
// Thread-safe. The pool must outlive the book.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "services/governance/proposals/proposal_record.h"
#include "shared/pg/pool.h"

namespace datamesh::governance::proposals {

struct CreateInput {
  std::string proposer;
  std::string title;
  std::string description;
  std::string type;
  google::protobuf::Struct change;
  std::optional<int64_t> voting_period_seconds;  // voting.periodSeconds when unset
};

struct VoteOutcome {
  ProposalRecord proposal;  // after the vote
  int64_t weight = 0;       // the voter's snapshotted power
  Choice choice = Choice::kYes;
};

struct ProposalPage {
  std::vector<ProposalRecord> proposals;
  std::optional<std::string> next_cursor;
};

class ProposalBook {
 public:
  ProposalBook(pg::Pool& pool, std::function<absl::Time()> clock)
      : pool_(pool), clock_(std::move(clock)) {}

  // Opens a proposal (state "open", voting from now). INVALID_ARGUMENT: malformed input or a
  // change that does not fit its type (change_validation.h). FAILED_PRECONDITION: the proposer
  // has staked less than voting.minimumProposerStake, already has a live proposal, or cannot
  // pay voting.depositTokens from the available balance.
  absl::StatusOr<ProposalRecord> Create(const CreateInput& input);

  // Casts or replaces `voter`'s vote. INVALID_ARGUMENT: unknown choice or malformed id.
  // NOT_FOUND: unknown proposal. FAILED_PRECONDITION: voting is closed, or the voter had no
  // staked tokens when voting opened.
  absl::StatusOr<VoteOutcome> Vote(const std::string& proposal_id, const std::string& voter,
                                   const std::string& choice);

  // NOT_FOUND: unknown proposal.
  absl::StatusOr<ProposalRecord> Get(const std::string& proposal_id);

  // Newest first. INVALID_ARGUMENT: unknown state or bad cursor. `limit` 0 means 100; at most
  // 1,000.
  absl::StatusOr<ProposalPage> List(const std::string& state, int limit, const std::string& cursor);

 private:
  pg::Pool& pool_;
  const std::function<absl::Time()> clock_;
};

}  // namespace datamesh::governance::proposals
