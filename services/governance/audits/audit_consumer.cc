#include "services/governance/audits/audit_consumer.h"

#include "absl/strings/str_format.h"
#include "services/governance/audits/reputation.h"
#include "services/governance/ledger/ledger.h"
#include "services/governance/ledger/stake.h"
#include "services/governance/operators/node_proof.h"
#include "services/governance/params/parameters.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"
#include "shared/pg/outbox.h"
#include "shared/status/status.h"

namespace datamesh::governance::audits {
namespace {

constexpr char kOutbox[] = "governance.outbox";

absl::StatusOr<ReputationRules> ReadRules(pqxx::work& tx) {
  ReputationRules r;
  ASSIGN_OR_RETURN(r.lambda, params::RealParam(tx, "audit.lambda"));
  ASSIGN_OR_RETURN(r.weight, params::RealParam(tx, "audit.weight"));
  ASSIGN_OR_RETURN(r.disqualify_below, params::RealParam(tx, "audit.disqualifyBelow"));
  ASSIGN_OR_RETURN(r.audits_required, params::IntParam(tx, "vetting.auditsRequired"));
  return r;
}

struct Operator {
  std::string id;
  std::string account;
};

std::optional<Operator> OperatorOf(pqxx::work& tx, const std::string& node) {
  pqxx::result r = tx.exec_params(
      "SELECT o.id, o.account_id FROM governance.operator_nodes n "
      "JOIN governance.operators o ON o.id = n.operator_id WHERE n.node_id = $1",
      node);
  if (r.empty()) return std::nullopt;
  return Operator{r[0][0].as<std::string>(), r[0][1].as<std::string>()};
}

// The node's row, created for a node never audited and locked for this transaction.
NodeReputation LoadLocked(pqxx::work& tx, const std::string& node, const ReputationRules& rules,
                          const std::optional<Operator>& op) {
  const NodeReputation fresh = NewReputation(rules);
  tx.exec_params0(
      "INSERT INTO governance.node_reputation (node_id, operator_id, alpha, beta, score) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (node_id) DO NOTHING",
      node, op ? std::optional<std::string>(op->id) : std::nullopt, fresh.alpha, fresh.beta,
      fresh.score());
  pqxx::row r = tx.exec_params1(
      "SELECT alpha, beta, audits_total, audits_success, audits_failed, audits_offline, "
      "vetted_at IS NOT NULL, disqualified_at IS NOT NULL FROM governance.node_reputation "
      "WHERE node_id = $1 FOR UPDATE",
      node);
  NodeReputation n;
  n.alpha = r[0].as<double>();
  n.beta = r[1].as<double>();
  n.total = r[2].as<int64_t>();
  n.success = r[3].as<int64_t>();
  n.failed = r[4].as<int64_t>();
  n.offline = r[5].as<int64_t>();
  n.vetted = r[6].as<bool>();
  n.disqualified = r[7].as<bool>();
  return n;
}

void Save(pqxx::work& tx, const std::string& node, const NodeReputation& n,
          const AuditEffect& effect, const std::optional<Operator>& op) {
  tx.exec_params0(
      "UPDATE governance.node_reputation SET alpha = $2, beta = $3, score = $4, "
      "audits_total = $5, audits_success = $6, audits_failed = $7, audits_offline = $8, "
      "operator_id = COALESCE($9, operator_id), "
      "vetted_at = CASE WHEN $10 THEN now() ELSE vetted_at END, "
      "disqualified_at = CASE WHEN $11 THEN now() ELSE disqualified_at END, "
      "updated_at = now() WHERE node_id = $1",
      node, n.alpha, n.beta, n.score(), n.total, n.success, n.failed, n.offline,
      op ? std::optional<std::string>(op->id) : std::nullopt, effect.vetted_now,
      effect.disqualified_now);
}

// Slashes audit.disqualifySlashPpm of the operator's slashable stake; returns what was taken.
absl::StatusOr<int64_t> SlashOperator(pqxx::work& tx, const Operator& op, const std::string& node) {
  ASSIGN_OR_RETURN(int64_t ppm, params::IntParam(tx, "audit.disqualifySlashPpm"));
  const __int128 stake = static_cast<__int128>(ledger::BalanceOf(tx, op.account, ledger::kStaked)) +
                         ledger::BalanceOf(tx, op.account, ledger::kUnbonding);
  const int64_t amount = static_cast<int64_t>(stake * ppm / 1000000);
  if (amount <= 0) return 0;
  return ledger::Slash(tx, op.account, amount, "node " + node.substr(0, 12) + " disqualified",
                       "disqualify/" + node);
}

}  // namespace

absl::Status AuditResultConsumer::Start(bus::Bus& bus, const std::string& durable) {
  RETURN_IF_ERROR(bus.EnsureStream(bus::DurableEventsStream()));
  bus::ConsumerConfig config;
  config.stream = bus::kDurableEventsStreamName;
  config.durable = durable;
  config.filter_subject = bus::SubjectFor("file.audit.result");
  ASSIGN_OR_RETURN(consumer_, bus.ConsumeDurable(config, [this](const events::v1::Event& e) {
    return Handle(e);
  }));
  return absl::OkStatus();
}

absl::Status AuditResultConsumer::Handle(const events::v1::Event& event) {
  if (!event.has_file_audit_result()) return absl::OkStatus();
  const events::v1::FileAuditResult& a = event.file_audit_result();
  const std::string& o = a.outcome();
  if (!operators::IsLowerHex(a.node_id(), 64) ||
      (o != "success" && o != "failure" && o != "offline" && o != "unknown")) {
    log::Warn("audit result ignored: malformed", {{"event_id", event.id()}});
    return absl::OkStatus();
  }
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_params("INSERT INTO governance.processed_events (event_id) VALUES ($1) "
                       "ON CONFLICT DO NOTHING RETURNING event_id",
                       event.id())
            .empty()) {
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(ReputationRules rules, ReadRules(tx));
    const std::optional<Operator> op = OperatorOf(tx, a.node_id());
    NodeReputation node = LoadLocked(tx, a.node_id(), rules, op);
    ASSIGN_OR_RETURN(AuditEffect effect, ApplyAudit(node, a.outcome(), rules));
    Save(tx, a.node_id(), node, effect, op);
    if (effect.vetted_now) {
      events::v1::Event e = bus::NewEvent("governance.node.vetted", source_);
      if (op) e.set_subject_user(op->account);
      e.mutable_node_vetted()->set_node_id(a.node_id());
      if (op) e.mutable_node_vetted()->set_operator_id(op->id);
      pg::AppendToOutbox(tx, kOutbox, e.SerializeAsString());
    }
    if (effect.disqualified_now) {
      const std::string reason = absl::StrFormat("audit score %.3f below %.3f after %d failed",
                                                 node.score(), rules.disqualify_below, node.failed);
      events::v1::Event e = bus::NewEvent("governance.node.disqualified", source_);
      auto* d = e.mutable_node_disqualified();
      d->set_node_id(a.node_id());
      d->set_reason(reason);
      d->set_score(node.score());
      int64_t slashed = 0;
      if (op) {
        e.set_subject_user(op->account);
        d->set_operator_id(op->id);
        ASSIGN_OR_RETURN(slashed, SlashOperator(tx, *op, a.node_id()));
      }
      pg::AppendToOutbox(tx, kOutbox, e.SerializeAsString());
      log::Warn("node disqualified",
                {{"node", a.node_id()}, {"reason", reason}, {"slashed", slashed}});
    }
    return absl::OkStatus();
  });
}

}  // namespace datamesh::governance::audits
