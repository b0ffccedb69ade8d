#include "services/dht/admission_store.h"

#include <set>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
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

// The operator runs exactly `nodes` now: nodes no longer listed lose it.
void AssignNodes(pqxx::work& tx, const std::string& operator_id, const std::vector<NodeId>& nodes) {
  tx.exec_params0(
      "UPDATE dht.node_admission SET operator_id = '', updated_at = now() "
      "WHERE operator_id = $1",
      operator_id);
  for (const NodeId& node : nodes) {
    tx.exec_params0(
        "INSERT INTO dht.node_admission (node_id, operator_id) VALUES ($1, $2) "
        "ON CONFLICT (node_id) DO UPDATE SET operator_id = EXCLUDED.operator_id, "
        "  updated_at = now()",
        ToHex(node), operator_id);
  }
}

constexpr char kResyncEventId[] = "resync";  // dht.operators.event_id of a re-synced decision

std::set<std::string> Hex(const std::vector<NodeId>& ids) {
  std::set<std::string> out;
  for (const NodeId& id : ids) out.insert(ToHex(id));
  return out;
}

// Corrects the operator's decision and node list when they differ from the listing; true when
// it did. A decision recorded after `read_at` is newer than the listing and stays.
bool CorrectOperator(pqxx::work& tx, const AdmissionStore::ListedOperator& op,
                     absl::Time read_at) {
  const pqxx::result row = tx.exec_params(
      "SELECT admitted, (extract(epoch FROM decided_at) * 1e6)::bigint FROM dht.operators "
      "WHERE operator_id = $1 FOR UPDATE",
      op.operator_id);
  std::set<std::string> recorded;
  for (const pqxx::row& r : tx.exec_params(
           "SELECT node_id FROM dht.node_admission WHERE operator_id = $1", op.operator_id)) {
    recorded.insert(r[0].as<std::string>());
  }
  const std::set<std::string> listed = Hex(op.nodes);
  if (!row.empty()) {
    if (absl::FromUnixMicros(row[0][1].as<int64_t>()) > read_at) return false;
    if (row[0][0].as<bool>() == op.admitted && recorded == listed) return false;
  } else if (!op.admitted && listed.empty()) {
    return false;  // nothing to place or to withhold
  }
  tx.exec_params0(
      "INSERT INTO dht.operators (operator_id, admitted, decided_at, event_id) "
      "VALUES ($1, $2, to_timestamp($3::bigint / 1e6), $4) "
      "ON CONFLICT (operator_id) DO UPDATE SET admitted = EXCLUDED.admitted, "
      "  decided_at = EXCLUDED.decided_at, event_id = EXCLUDED.event_id",
      op.operator_id, op.admitted, absl::ToUnixMicros(read_at), kResyncEventId);
  AssignNodes(tx, op.operator_id, op.nodes);
  return true;
}

// Turns `column` (vetted or disqualified) on for `nodes`; returns how many were off.
int TurnOn(pqxx::work& tx, const char* column, const std::vector<NodeId>& nodes) {
  int changed = 0;
  for (const NodeId& node : nodes) {
    const std::string c(column);
    changed += tx.exec_params("INSERT INTO dht.node_admission (node_id, " + c +
                                  ") VALUES ($1, true) ON CONFLICT (node_id) DO UPDATE SET " + c +
                                  " = true, updated_at = now() WHERE NOT dht.node_admission." +
                                  c + " RETURNING 1",
                              ToHex(node))
                   .size();
  }
  return changed;
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
    AssignNodes(tx, d.operator_id, d.nodes);
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

absl::StatusOr<int> AdmissionStore::ApplyListing(const std::vector<ListedOperator>& listed,
                                                 absl::Time read_at) {
  int corrected = 0;
  for (const ListedOperator& op : listed) {
    int changed = 0;
    RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
      changed = CorrectOperator(tx, op, read_at) ? 1 : 0;
      changed += TurnOn(tx, "vetted", op.vetted);
      changed += TurnOn(tx, "disqualified", op.disqualified);
      return absl::OkStatus();
    }));
    corrected += changed;
  }
  return corrected;
}

absl::StatusOr<int> AdmissionStore::RemoveUnlisted(const std::vector<std::string>& listed,
                                                   absl::Time read_at) {
  int removed = 0;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    // A text[] literal with every id quoted (the parameter is bound, never spliced).
    std::vector<std::string> quoted;
    for (const std::string& id : listed) {
      quoted.push_back("\"" + absl::StrReplaceAll(id, {{"\\", "\\\\"}, {"\"", "\\\""}}) + "\"");
    }
    const std::string ids = "{" + absl::StrJoin(quoted, ",") + "}";
    removed = static_cast<int>(
        tx.exec_params("UPDATE dht.operators SET admitted = false, "
                       "  decided_at = to_timestamp($2::bigint / 1e6), event_id = $3 "
                       "WHERE admitted AND NOT (operator_id = ANY($1::text[])) "
                       "  AND decided_at <= to_timestamp($2::bigint / 1e6) RETURNING 1",
                       ids, absl::ToUnixMicros(read_at), kResyncEventId)
            .size());
    return absl::OkStatus();
  }));
  return removed;
}

}  // namespace datamesh::dht
