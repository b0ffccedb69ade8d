#include "services/governance/proposals/lifecycle.h"

#include "absl/strings/str_cat.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/params/param_registry.h"
#include "services/governance/params/parameter_table.h"
#include "services/governance/proposals/change_validation.h"
#include "services/governance/proposals/proposal_events.h"
#include "services/governance/proposals/proposal_record.h"
#include "shared/log/log.h"
#include "shared/pg/outbox.h"
#include "shared/status/status.h"

namespace datamesh::governance::proposals {
namespace {

// The worker's advisory lock key (an arbitrary constant owned by this file: "gov-life").
constexpr int64_t kWorkerLockKey = 0x676f762d6c696665;
constexpr int kBatch = 50;
constexpr int kMaxRounds = 20;

void Append(pqxx::work& tx, const events::v1::Event& e) {
  pg::AppendToOutbox(tx, kOutboxTable, e.SerializeAsString());
}

absl::Status MoveDeposit(pqxx::work& tx, const ProposalRecord& p, bool burn) {
  if (p.deposit == 0) return absl::OkStatus();
  const std::string to = burn ? ledger::kTreasury : p.proposer;
  ledger::Movement m{
      burn ? "deposit_burn" : "deposit_refund",
      absl::StrCat(burn ? "vetoed proposal " : "closed proposal ", p.id),
      absl::StrCat("proposal:", p.id, burn ? ":deposit_burn" : ":deposit_refund"),
      {{p.proposer, ledger::kEscrow, -p.deposit}, {to, ledger::kAvailable, p.deposit}}};
  return ledger::Post(tx, m).status();
}

absl::Status Close(pqxx::work& tx, const ProposalRecord& p, const std::string& source) {
  const TallyResult t = RecountTally(tx, p);
  std::optional<absl::Time> executable_at;
  std::string reason;
  switch (t.outcome) {
    case Outcome::kPassed:
      executable_at = p.closes_at + absl::Seconds(p.enactment_delay_seconds);
      break;
    case Outcome::kExpired: reason = "quorum not reached"; break;
    case Outcome::kVetoed: reason = "veto votes reached the veto threshold; deposit burned"; break;
    case Outcome::kRejected: reason = "threshold not passed"; break;
  }
  RETURN_IF_ERROR(MoveDeposit(tx, p, t.outcome == Outcome::kVetoed));
  UpdateState(tx, p.id, OutcomeName(t.outcome), reason, executable_at, std::nullopt);
  Append(tx, ProposalClosedEvent(source, p, t));
  return absl::OkStatus();
}

// Governance's own part of a change. FAILED_PRECONDITION: refused (recorded as "failed").
absl::Status ApplyOwnPart(pqxx::work& tx, const ProposalRecord& p, const ValidatedChange& c,
                          const LifecycleOptions& options) {
  if (p.type == kParameterChange) {
    // Every key is recorded here, the owners' too, so ListParameters shows what governance set.
    for (const auto& [key, json] : c.parameters) params::SetParameter(tx, key, json, p.id);
    return absl::OkStatus();
  }
  if (p.type == kTreasurySpend) {
    // Checked first: a refused ledger write may abort the transaction, and a refusal must
    // still be recorded in it.
    if (ledger::BalanceOf(tx, ledger::kTreasury, ledger::kAvailable) < c.amount) {
      return absl::FailedPreconditionError("the treasury holds less than the amount");
    }
    ledger::Movement m{"treasury_spend",
                       "treasury spend of proposal " + p.id,
                       "proposal:" + p.id + ":treasury_spend",
                       {{ledger::kTreasury, ledger::kAvailable, -c.amount},
                        {c.account_id, ledger::kAvailable, c.amount}}};
    return ledger::Post(tx, m).status();
  }
  if (p.type == kOperatorAdmission || p.type == kOperatorRemoval) {
    if (!options.apply_operator_change) {
      return absl::FailedPreconditionError("operator registry not available");
    }
    return options.apply_operator_change(tx, p.type, c.operator_id);
  }
  return absl::OkStatus();  // text
}

absl::Status Execute(pqxx::work& tx, const ProposalRecord& p, absl::Time now,
                     const LifecycleOptions& options) {
  const absl::Time deadline = *p.executable_at + absl::Seconds(p.grace_period_seconds);
  if (now > deadline) {
    UpdateState(tx, p.id, kExpired, "not executed within the grace period", std::nullopt,
                std::nullopt);
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(google::protobuf::Struct change, ChangeFromJson(p.change_json));
  absl::StatusOr<ValidatedChange> c = ValidateChange(p.type, change);
  absl::Status own = c.ok() ? ApplyOwnPart(tx, p, *c, options) : c.status();
  if (!own.ok() && !absl::IsFailedPrecondition(own) && !absl::IsInvalidArgument(own)) {
    return own;  // database trouble: roll back and retry on the next tick
  }
  if (!own.ok()) {
    SetExecution(tx, p.id, "governance", "failed", std::string(own.message()), now);
    UpdateState(tx, p.id, kFailed, std::string(own.message()), std::nullopt, std::nullopt);
    return absl::OkStatus();
  }
  if (p.type != kText) SetExecution(tx, p.id, "governance", "applied", "", now);
  for (const std::string& owner : ExternalOwners(p.type, *c)) {
    SetExecution(tx, p.id, owner, "pending", "", now);
  }
  UpdateState(tx, p.id, kExecuted, "", std::nullopt, now);
  Append(tx, ProposalExecutedEvent(options.source, p, change, now));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<bool> ProposalLifecycle::Step(const std::string& id, absl::Time now) {
  bool done = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    done = false;
    if (!tx.exec_params1("SELECT pg_try_advisory_xact_lock($1)", kWorkerLockKey)[0].as<bool>()) {
      return absl::OkStatus();
    }
    std::optional<ProposalRecord> p = LoadProposal(tx, id, /*for_update=*/true);
    if (!p) return absl::OkStatus();
    if (p->state == kOpen && p->closes_at <= now) {
      RETURN_IF_ERROR(Close(tx, *p, options_.source));
      done = true;
    } else if (p->state == kPassed && p->executable_at && *p->executable_at <= now) {
      RETURN_IF_ERROR(Execute(tx, *p, now, options_));
      done = true;
    }
    return absl::OkStatus();
  }));
  return done;
}

absl::StatusOr<int> ProposalLifecycle::RunOnce(absl::Time now) {
  int changed = 0;
  // Rounds, because closing a proposal with no enactment delay makes it due again at once.
  for (int round = 0; round < kMaxRounds; ++round) {
    std::vector<std::string> due;
    RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) {
      due = DueProposals(tx, now, kBatch);
      return absl::OkStatus();
    }));
    int stepped = 0;
    for (const std::string& id : due) {
      ASSIGN_OR_RETURN(bool done, Step(id, now));
      stepped += done;
    }
    changed += stepped;
    if (stepped == 0) break;
  }
  return changed;
}

}  // namespace datamesh::governance::proposals
