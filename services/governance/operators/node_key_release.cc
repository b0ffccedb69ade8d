#include "services/governance/operators/node_key_release.h"

#include "services/governance/operators/node_proof.h"
#include "services/governance/operators/operator_registry_internal.h"
#include "shared/log/log.h"

namespace datamesh::governance::operators {

absl::StatusOr<std::string> ReleaseNodeKey(pqxx::work& tx, const KeyRelease& release,
                                           absl::Time now, const std::string& source) {
  if (absl::Status s = ValidateNodeId(release.node_id); !s.ok()) return s;
  if (release.reason.empty() || release.reason.size() > 500) {
    return absl::InvalidArgumentError("a release needs a reason of 1-500 characters");
  }
  const pqxx::result bound = tx.exec_params(
      "DELETE FROM governance.node_keys WHERE node_id = $1 RETURNING public_key", release.node_id);
  if (bound.empty()) {
    return absl::NotFoundError("no key is bound to node " + release.node_id);
  }
  const std::string key = bound[0][0].as<std::string>();
  const pqxx::result held = tx.exec_params(
      "DELETE FROM governance.operator_nodes WHERE node_id = $1 RETURNING operator_id",
      release.node_id);
  const std::string operator_id = held.empty() ? "" : held[0][0].as<std::string>();
  tx.exec_params0(
      "INSERT INTO governance.node_key_releases (node_id, public_key, operator_id, actor_id, "
      "reason, released_at) VALUES ($1, $2, $3, $4, $5, to_timestamp($6::bigint / 1e6))",
      release.node_id, key, operator_id, release.actor_id, release.reason, absl::ToUnixMicros(now));
  if (!operator_id.empty()) {
    // The announcement lists every node the operator keeps: dht drops the released one.
    std::optional<OperatorRecord> op = internal::Load(tx, "o.id = $1 FOR UPDATE OF o", operator_id);
    if (op && op->state == "admitted") internal::AnnounceAdmitted(tx, *op, "release", source);
  }
  log::Warn("node key binding released by an admin", {{"node_id", release.node_id},
                                                      {"public_key", key},
                                                      {"operator_id", operator_id},
                                                      {"actor_id", release.actor_id},
                                                      {"reason", release.reason}});
  return key;
}

}  // namespace datamesh::governance::operators
