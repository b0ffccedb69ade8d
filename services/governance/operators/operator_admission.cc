// Admission of operators and the durable events that tell dht about it. Events go to
// governance.outbox in the transaction that changes the state, so an admission is announced
// exactly when it commits (the outbox worker publishes it, with its envelope id as the
// JetStream message id).
#include "absl/strings/str_cat.h"
#include "services/governance/operators/operator_registry.h"
#include "services/governance/operators/operator_registry_internal.h"
#include "shared/bus/event.h"
#include "shared/pg/outbox.h"

namespace datamesh::governance::operators {
namespace {

constexpr char kOutbox[] = "governance.outbox";

void Append(pqxx::work& tx, const events::v1::Event& event) {
  pg::AppendToOutbox(tx, kOutbox, event.SerializeAsString());
}

// What the rules say `op` should be; its own state when they say nothing.
std::string Wanted(const OperatorRecord& op, const AdmissionRules& rules, std::string* why) {
  if (op.state == "removed") return op.state;
  if (rules.mode == "open") return "admitted";
  if (rules.mode != "stake") return op.state;  // "proposal": only a proposal decides
  if (op.stake >= rules.minimum_stake) return "admitted";
  *why = absl::StrCat("stake ", op.stake, " below the minimum ", rules.minimum_stake);
  return "pending";
}

}  // namespace

namespace internal {

void AnnounceAdmitted(pqxx::work& tx, const OperatorRecord& op, const std::string& mode,
                      const std::string& source) {
  events::v1::Event e = bus::NewEvent("governance.operator.admitted", source);
  e.set_subject_user(op.account_id);
  auto* p = e.mutable_operator_admitted();
  p->set_operator_id(op.id);
  p->set_account_id(op.account_id);
  for (const std::string& n : op.node_ids) p->add_node_ids(n);
  p->set_stake(static_cast<uint64_t>(std::max<int64_t>(op.stake, 0)));
  p->set_mode(mode);
  Append(tx, e);
}

void ChangeState(pqxx::work& tx, OperatorRecord& op, const std::string& state,
                 const std::string& mode_or_reason, const std::string& source) {
  tx.exec_params0("UPDATE governance.operators SET state = $2, updated_at = now() WHERE id = $1",
                  op.id, state);
  op.state = state;
  if (state == "admitted") {
    AnnounceAdmitted(tx, op, mode_or_reason, source);
    return;
  }
  events::v1::Event e = bus::NewEvent("governance.operator.removed", source);
  e.set_subject_user(op.account_id);
  auto* p = e.mutable_operator_removed();
  p->set_operator_id(op.id);
  p->set_account_id(op.account_id);
  for (const std::string& n : op.node_ids) p->add_node_ids(n);
  p->set_reason(mode_or_reason);
  p->set_state(state);
  Append(tx, e);
}

}  // namespace internal

absl::StatusOr<int> ReconcileAdmission(pqxx::work& tx, const std::string& account,
                                       const AdmissionRules& rules, const std::string& source) {
  if (rules.mode != "open" && rules.mode != "stake" && rules.mode != "proposal") {
    return absl::FailedPreconditionError("unknown admission.mode " + rules.mode);
  }
  if (rules.mode == "proposal") return 0;
  pqxx::result ids =
      account.empty()
          ? tx.exec("SELECT id FROM governance.operators WHERE state <> 'removed' ORDER BY id")
          : tx.exec_params("SELECT id FROM governance.operators WHERE account_id = $1", account);
  int changed = 0;
  for (const pqxx::row& r : ids) {
    std::optional<OperatorRecord> op =
        internal::Load(tx, "o.id = $1 FOR UPDATE OF o", r[0].as<std::string>());
    if (!op) continue;
    std::string why;
    const std::string wanted = Wanted(*op, rules, &why);
    if (wanted == op->state) continue;
    internal::ChangeState(tx, *op, wanted, wanted == "admitted" ? rules.mode : why, source);
    ++changed;
  }
  return changed;
}

absl::Status ApplyProposalDecision(pqxx::work& tx, const std::string& type,
                                   const std::string& operator_id, const std::string& source) {
  std::string wanted;
  if (type == "operator_admission") {
    wanted = "admitted";
  } else if (type == "operator_removal") {
    wanted = "removed";
  } else {
    return absl::InvalidArgumentError("not an operator decision: " + type);
  }
  std::optional<OperatorRecord> op = internal::Load(tx, "o.id = $1 FOR UPDATE OF o", operator_id);
  if (!op) return absl::NotFoundError("unknown operator " + operator_id);
  if (op->state == wanted) return absl::OkStatus();
  internal::ChangeState(tx, *op, wanted, wanted == "admitted" ? "proposal" : "removed by proposal",
                        source);
  return absl::OkStatus();
}

}  // namespace datamesh::governance::operators
