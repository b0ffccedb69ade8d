#include "services/governance/proposals/proposal_book.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/params/parameter_table.h"
#include "services/governance/params/parameters.h"
#include "services/governance/proposals/change_validation.h"
#include "shared/bus/event.h"
#include "shared/status/status.h"
#include "shared/text/utf8.h"

namespace datamesh::governance::proposals {
namespace {

constexpr int64_t kMinPeriodSeconds = 3600;
constexpr int64_t kMaxPeriodSeconds = 30 * 86400;

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

absl::Status ValidateText(const CreateInput& in) {
  if (!IsValidId(in.proposer)) return absl::InvalidArgumentError("malformed proposer id");
  if (in.title.empty() || Utf8Length(in.title) > 200 || !text::IsValidUtf8(in.title)) {
    return absl::InvalidArgumentError("title must be 1-200 characters of UTF-8");
  }
  if (Utf8Length(in.description) > 10000 || !text::IsValidUtf8(in.description)) {
    return absl::InvalidArgumentError("description must be at most 10,000 characters of UTF-8");
  }
  if (in.voting_period_seconds && (*in.voting_period_seconds < kMinPeriodSeconds ||
                                   *in.voting_period_seconds > kMaxPeriodSeconds)) {
    return absl::InvalidArgumentError("voting period must be 3600 - 2,592,000 seconds");
  }
  return absl::OkStatus();
}

// Fills the thresholds, delays and period from the parameters in force now.
absl::Status ReadRules(pqxx::work& tx, const CreateInput& in, ProposalRecord& p, int64_t& period) {
  ASSIGN_OR_RETURN(p.thresholds.quorum_ppb, params::PpbParam(tx, "voting.quorum"));
  ASSIGN_OR_RETURN(p.thresholds.threshold_ppb, params::PpbParam(tx, "voting.threshold"));
  ASSIGN_OR_RETURN(p.thresholds.veto_ppb, params::PpbParam(tx, "voting.vetoThreshold"));
  ASSIGN_OR_RETURN(p.enactment_delay_seconds,
                   params::IntParam(tx, "proposal.enactmentDelaySeconds"));
  ASSIGN_OR_RETURN(p.grace_period_seconds, params::IntParam(tx, "proposal.gracePeriodSeconds"));
  ASSIGN_OR_RETURN(p.deposit, params::IntParam(tx, "voting.depositTokens"));
  if (in.voting_period_seconds) {
    period = *in.voting_period_seconds;
  } else {
    ASSIGN_OR_RETURN(period, params::IntParam(tx, "voting.periodSeconds"));
  }
  return absl::OkStatus();
}

absl::Status CheckProposer(pqxx::work& tx, const std::string& proposer) {
  ASSIGN_OR_RETURN(int64_t minimum, params::IntParam(tx, "voting.minimumProposerStake"));
  const int64_t staked = ledger::BalanceOf(tx, proposer, ledger::kStaked);
  if (staked < minimum) {
    return absl::FailedPreconditionError(absl::StrCat(
        "proposing needs ", minimum, " staked micro-tokens; the proposer has ", staked));
  }
  if (HasLiveProposal(tx, proposer)) {
    return absl::FailedPreconditionError(
        "the proposer already has a live proposal (open, or passed and not executed)");
  }
  return absl::OkStatus();
}

absl::Status EscrowDeposit(pqxx::work& tx, const ProposalRecord& p) {
  if (p.deposit == 0) return absl::OkStatus();
  ledger::Movement m{
      "deposit",
      "deposit of proposal " + p.id,
      "proposal:" + p.id + ":deposit",
      {{p.proposer, ledger::kAvailable, -p.deposit}, {p.proposer, ledger::kEscrow, p.deposit}}};
  absl::StatusOr<std::string> posted = ledger::Post(tx, m);
  if (absl::IsFailedPrecondition(posted.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the deposit of ", p.deposit, " micro-tokens exceeds the proposer's available balance"));
  }
  return posted.status();
}

}  // namespace

absl::StatusOr<ProposalRecord> ProposalBook::Create(const CreateInput& in) {
  RETURN_IF_ERROR(ValidateText(in));
  RETURN_IF_ERROR(ValidateChange(in.type, in.change).status());
  ProposalRecord p;
  p.id = bus::NewUuidV4();
  p.title = in.title;
  p.description = in.description;
  p.type = in.type;
  p.proposer = in.proposer;
  p.state = kOpen;
  if (!google::protobuf::util::MessageToJsonString(in.change, &p.change_json).ok()) {
    return absl::InvalidArgumentError("change cannot be written as JSON");
  }
  const absl::Time now = clock_();
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    // Creates of one proposer take turns, so two at once cannot both find no live proposal.
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('governance.proposer:' || $1))",
                   in.proposer);
    RETURN_IF_ERROR(CheckProposer(tx, in.proposer));
    int64_t period = 0;
    RETURN_IF_ERROR(ReadRules(tx, in, p, period));
    p.opens_at = now;
    p.closes_at = now + absl::Seconds(period);
    RETURN_IF_ERROR(EscrowDeposit(tx, p));
    std::vector<std::pair<std::string, int64_t>> power;
    p.total_power = 0;
    for (const ledger::AccountBalance& b : ledger::PositiveBalances(tx, ledger::kStaked)) {
      power.emplace_back(b.account_id, b.amount);
      p.total_power += b.amount;
    }
    InsertProposal(tx, p, power);
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(ProposalRecord stored, Get(p.id));
  return stored;
}

absl::StatusOr<VoteOutcome> ProposalBook::Vote(const std::string& proposal_id,
                                               const std::string& voter,
                                               const std::string& choice_text) {
  VoteOutcome out;
  if (!ParseChoice(choice_text, &out.choice)) {
    return absl::InvalidArgumentError("choice must be yes, no, abstain or veto");
  }
  if (!IsValidId(voter)) return absl::InvalidArgumentError("malformed voter id");
  if (!IsValidId(proposal_id)) return absl::NotFoundError("no such proposal");
  const absl::Time now = clock_();
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    std::optional<ProposalRecord> p = LoadProposal(tx, proposal_id, /*for_update=*/true);
    if (!p) return absl::NotFoundError("no such proposal");
    if (p->state != kOpen || now >= p->closes_at) {
      return absl::FailedPreconditionError("voting on this proposal is closed");
    }
    out.weight = SnapshotPower(tx, proposal_id, voter);
    if (out.weight <= 0) {
      return absl::FailedPreconditionError("the voter had no staked tokens when voting opened");
    }
    UpsertVote(tx, proposal_id, voter, out.choice, now);
    RecountTally(tx, *p);
    out.proposal = *LoadProposal(tx, proposal_id, false);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ProposalRecord> ProposalBook::Get(const std::string& proposal_id) {
  if (!IsValidId(proposal_id)) return absl::NotFoundError("no such proposal");
  std::optional<ProposalRecord> p;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) {
    p = LoadProposal(tx, proposal_id, false);
    return absl::OkStatus();
  }));
  if (!p) return absl::NotFoundError("no such proposal");
  return *p;
}

absl::StatusOr<ProposalPage> ProposalBook::List(const std::string& state, int limit,
                                                const std::string& cursor) {
  if (!state.empty() && !IsKnownState(state)) {
    return absl::InvalidArgumentError("unknown state: " + state);
  }
  int64_t before = 0;
  if (!cursor.empty() && (!absl::SimpleAtoi(cursor, &before) || before <= 0)) {
    return absl::InvalidArgumentError("bad cursor");
  }
  limit = limit <= 0 ? 100 : std::min(limit, 1000);
  ProposalPage page;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) {
    page.proposals = LoadPage(tx, state, before, limit + 1);
    return absl::OkStatus();
  }));
  if (static_cast<int>(page.proposals.size()) > limit) {
    page.proposals.resize(limit);
    page.next_cursor = std::to_string(page.proposals.back().seq);
  }
  return page;
}

}  // namespace datamesh::governance::proposals
