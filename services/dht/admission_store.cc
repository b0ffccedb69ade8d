#include "services/dht/admission_store.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/status/status.h"

namespace datamesh::dht {
namespace {

// Records the event; false when it was recorded before (a redelivery).
bool FirstDelivery(pqxx::work& tx, const std::string& event_id) {
  return !tx.exec_params(
                "INSERT INTO dht.processed_events (event_id) VALUES ($1) "
                "ON CONFLICT DO NOTHING RETURNING 1",
                event_id)
              .empty();
}

}  // namespace

absl::StatusOr<AdmissionStore::Outcome> AdmissionStore::ApplyOperator(const OperatorDecision& d) {
  Outcome outcome = Outcome::kApplied;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    outcome = Outcome::kApplied;
    if (!FirstDelivery(tx, d.event_id)) {
      outcome = Outcome::kDuplicate;
      return absl::OkStatus();
    }
    // The upsert takes the operator's row lock, so two replicas applying two events of one
    // operator queue here and the later decision wins whatever order they commit in.
    const pqxx::result won = tx.exec_params(
        "INSERT INTO dht.operators (operator_id, admitted, decided_at, event_id) "
        "VALUES ($1, $2, to_timestamp($3::bigint / 1e6), $4) "
        "ON CONFLICT (operator_id) DO UPDATE SET admitted = EXCLUDED.admitted, "
        "  decided_at = EXCLUDED.decided_at, event_id = EXCLUDED.event_id "
        "WHERE dht.operators.decided_at <= EXCLUDED.decided_at RETURNING 1",
        d.operator_id, d.admitted, absl::ToUnixMicros(d.decided_at), d.event_id);
    if (won.empty()) {
      outcome = Outcome::kStale;
      return absl::OkStatus();
    }
    // The event lists every node the operator runs now: nodes it no longer lists lose it.
    tx.exec_params0(
        "UPDATE dht.node_admission SET operator_id = '', updated_at = now() "
        "WHERE operator_id = $1",
        d.operator_id);
    for (const NodeId& node : d.nodes) {
      tx.exec_params0(
          "INSERT INTO dht.node_admission (node_id, operator_id) VALUES ($1, $2) "
          "ON CONFLICT (node_id) DO UPDATE SET operator_id = EXCLUDED.operator_id, "
          "  updated_at = now()",
          ToHex(node), d.operator_id);
    }
    return absl::OkStatus();
  }));
  return outcome;
}

absl::StatusOr<AdmissionStore::Outcome> AdmissionStore::MarkVetted(const std::string& event_id,
                                                                   const NodeId& node) {
  Outcome outcome = Outcome::kApplied;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    outcome = Outcome::kApplied;
    if (!FirstDelivery(tx, event_id)) {
      outcome = Outcome::kDuplicate;
      return absl::OkStatus();
    }
    tx.exec_params0(
        "INSERT INTO dht.node_admission (node_id, vetted) VALUES ($1, true) "
        "ON CONFLICT (node_id) DO UPDATE SET vetted = true, updated_at = now()",
        ToHex(node));
    return absl::OkStatus();
  }));
  return outcome;
}

absl::StatusOr<AdmissionStore::Outcome> AdmissionStore::MarkDisqualified(
    const std::string& event_id, const NodeId& node, const std::string& reason) {
  Outcome outcome = Outcome::kApplied;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    outcome = Outcome::kApplied;
    if (!FirstDelivery(tx, event_id)) {
      outcome = Outcome::kDuplicate;
      return absl::OkStatus();
    }
    // The first reason is kept: a node is disqualified once.
    tx.exec_params0(
        "INSERT INTO dht.node_admission (node_id, disqualified, disqualified_reason) "
        "VALUES ($1, true, $2) ON CONFLICT (node_id) DO UPDATE SET disqualified = true, "
        "  disqualified_reason = CASE WHEN dht.node_admission.disqualified "
        "    THEN dht.node_admission.disqualified_reason ELSE EXCLUDED.disqualified_reason END, "
        "  updated_at = now()",
        ToHex(node), reason);
    return absl::OkStatus();
  }));
  return outcome;
}

absl::StatusOr<bool> AdmissionStore::Processed(const std::string& event_id) {
  bool processed = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    processed =
        !tx.exec_params("SELECT 1 FROM dht.processed_events WHERE event_id = $1", event_id).empty();
    return absl::OkStatus();
  }));
  return processed;
}

absl::Status AdmissionStore::MarkProcessed(const std::string& event_id) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    FirstDelivery(tx, event_id);
    return absl::OkStatus();
  });
}

absl::Status AdmissionStore::SavePlacementShare(double share, const std::string& proposal_id) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params0(
        "INSERT INTO dht.settings (key, value, proposal_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "
        "  proposal_id = EXCLUDED.proposal_id, updated_at = now()",
        kPlacementShareKey, absl::StrCat(share), proposal_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<AdmissionSnapshot> AdmissionStore::Load() {
  AdmissionSnapshot snapshot;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    snapshot = AdmissionSnapshot{};
    const pqxx::result rows = tx.exec(
        "SELECT n.node_id, n.operator_id, COALESCE(o.admitted, false), n.vetted, "
        "  n.disqualified "
        "FROM dht.node_admission n LEFT JOIN dht.operators o USING (operator_id)");
    for (const pqxx::row& row : rows) {
      auto id = ParseNodeId(row[0].as<std::string>());
      if (!id.ok()) return absl::DataLossError("dht.node_admission holds a malformed node id");
      snapshot.nodes[*id] = NodeAdmission{.operator_id = row[1].as<std::string>(),
                                          .admitted = row[2].as<bool>(),
                                          .vetted = row[3].as<bool>(),
                                          .disqualified = row[4].as<bool>()};
    }
    const pqxx::result share = tx.exec_params("SELECT value FROM dht.settings WHERE key = $1",
                                              std::string(kPlacementShareKey));
    double value = 0;
    if (!share.empty() && absl::SimpleAtod(share[0][0].as<std::string>(), &value)) {
      snapshot.unvetted_share = value;
    }
    return absl::OkStatus();
  }));
  return snapshot;
}

}  // namespace datamesh::dht
