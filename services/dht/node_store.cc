#include "services/dht/node_store.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "shared/status/status.h"

namespace datamesh::dht {
namespace {

// Times cross the SQL boundary as Unix microseconds: exact, and no text formats to agree on.
constexpr char kColumns[] =
    "node_id, address, zone, capacity_bytes, used_bytes, shard_count, health, operator_id, state, "
    "(extract(epoch FROM first_seen) * 1000000)::bigint, "
    "(extract(epoch FROM last_seen) * 1000000)::bigint";

int64_t ToSql(uint64_t v) {
  return static_cast<int64_t>(std::min<uint64_t>(v, std::numeric_limits<int64_t>::max()));
}
int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
const char* StateName(NodeState s) { return s == NodeState::kUp ? "up" : "down"; }

absl::StatusOr<NodeInfo> FromRow(const pqxx::row& row) {
  NodeInfo node;
  auto id = ParseNodeId(row[0].as<std::string>());
  if (!id.ok()) return absl::DataLossError("dht.nodes holds a malformed node id");
  node.id = *id;
  node.address = row[1].as<std::string>();
  node.zone = row[2].as<std::string>();
  node.capacity_bytes = static_cast<uint64_t>(row[3].as<int64_t>());
  node.used_bytes = static_cast<uint64_t>(row[4].as<int64_t>());
  node.shard_count = static_cast<uint64_t>(row[5].as<int64_t>());
  node.health = static_cast<NodeHealth>(row[6].as<int>());
  node.operator_id = row[7].as<std::string>();
  node.state = row[8].as<std::string>() == "up" ? NodeState::kUp : NodeState::kDown;
  node.first_seen = absl::FromUnixMicros(row[9].as<int64_t>());
  node.last_seen = absl::FromUnixMicros(row[10].as<int64_t>());
  return node;
}

}  // namespace

absl::StatusOr<std::vector<NodeInfo>> NodeStore::LoadAll() {
  std::vector<NodeInfo> nodes;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    nodes.clear();
    const pqxx::result rows =
        tx.exec(std::string("SELECT ") + kColumns + " FROM dht.nodes ORDER BY node_id");
    for (const pqxx::row& row : rows) {
      ASSIGN_OR_RETURN(NodeInfo node, FromRow(row));
      nodes.push_back(std::move(node));
    }
    return absl::OkStatus();
  }));
  return nodes;
}

absl::StatusOr<NodeStore::Registration> NodeStore::Register(
    const NodeInfo& node, const std::function<absl::Status()>& on_insert) {
  Registration out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    // xmax = 0 only on a row this statement inserted (an updated row carries our xid).
    const pqxx::row row = tx.exec_params1(
        "INSERT INTO dht.nodes (node_id, address, zone, capacity_bytes, used_bytes, shard_count, "
        "  health, operator_id, state, state_changed_at, first_seen, last_seen) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'up', to_timestamp($9::bigint / 1e6), "
        "  to_timestamp($9::bigint / 1e6), to_timestamp($10::bigint / 1e6)) "
        "ON CONFLICT (node_id) DO UPDATE SET last_seen = GREATEST(dht.nodes.last_seen, "
        "  EXCLUDED.last_seen) "
        "RETURNING (xmax = 0), state",
        ToHex(node.id), node.address, node.zone, ToSql(node.capacity_bytes), ToSql(node.used_bytes),
        ToSql(node.shard_count), static_cast<int>(node.health), node.operator_id,
        Micros(node.first_seen), Micros(node.last_seen));
    out.inserted = row[0].as<bool>();
    out.state = row[1].as<std::string>() == "up" ? NodeState::kUp : NodeState::kDown;
    if (out.inserted) RETURN_IF_ERROR(on_insert());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<bool> NodeStore::Transition(
    const NodeId& id, NodeState to, const std::function<absl::Status(absl::Time)>& on_change) {
  bool changed = false;
  absl::Status status = pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    changed = false;
    // The row lock taken by FOR UPDATE makes concurrent replicas queue here; the first one
    // changes the state, the others then read the new state and do nothing.
    const pqxx::result before = tx.exec_params(
        "SELECT state, (extract(epoch FROM state_changed_at) * 1000000)::bigint "
        "FROM dht.nodes WHERE node_id = $1 FOR UPDATE",
        ToHex(id));
    if (before.empty()) return absl::NotFoundError("node not registered");
    if (before[0][0].as<std::string>() == StateName(to)) return absl::OkStatus();
    tx.exec_params0("UPDATE dht.nodes SET state = $2, state_changed_at = now() WHERE node_id = $1",
                    ToHex(id), StateName(to));
    changed = true;
    return on_change(absl::FromUnixMicros(before[0][1].as<int64_t>()));
  });
  if (!status.ok()) return status;
  return changed;
}

absl::Status NodeStore::SaveDetails(const std::vector<NodeInfo>& nodes) {
  if (nodes.empty()) return absl::OkStatus();
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    for (const NodeInfo& node : nodes) {
      tx.exec_params0(
          "UPDATE dht.nodes SET address = $2, zone = $3, capacity_bytes = $4, used_bytes = $5, "
          "  shard_count = $6, health = $7, operator_id = $8, "
          "  last_seen = GREATEST(last_seen, to_timestamp($9::bigint / 1e6)) "
          "WHERE node_id = $1",
          ToHex(node.id), node.address, node.zone, ToSql(node.capacity_bytes),
          ToSql(node.used_bytes), ToSql(node.shard_count), static_cast<int>(node.health),
          node.operator_id, Micros(node.last_seen));
    }
    return absl::OkStatus();
  });
}

}  // namespace datamesh::dht
