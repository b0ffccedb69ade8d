#include "services/file-ingest/shard_intents.h"

#include "absl/strings/cord.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// One advisory-lock key per (shard, node), in the single-bigint key space (the maintenance
// worker lock uses the two-int space, which does not overlap).
constexpr char kLockKey[] = "hashtextextended($1 || '/' || $2, 0)";

}  // namespace

absl::Status ShardIntents::Record(const std::string& writer_id, const std::string& shard_id,
                                  const std::string& node_id) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params(std::string("SELECT pg_advisory_xact_lock_shared(") + kLockKey + ")", shard_id,
                  node_id);
    w.exec_params(
        "INSERT INTO files.shard_intents (writer_id, shard_id, node_id, instance_id) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (writer_id, shard_id, node_id) "
        "DO UPDATE SET refreshed_at = now()",
        writer_id, shard_id, node_id, instance_id_);
    return absl::OkStatus();
  });
}

absl::Status ShardIntents::Clear(const std::string& writer_id) {
  absl::Status status = pool_.Transact([&](pqxx::work& w) {
    w.exec_params("DELETE FROM files.shard_intents WHERE writer_id = $1", writer_id);
    return absl::OkStatus();
  });
  std::lock_guard<std::mutex> lock(mu_);
  if (status.ok()) {
    pending_clears_.erase(writer_id);
  } else {
    pending_clears_.insert(writer_id);
  }
  return status;
}

size_t ShardIntents::pending_clears() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_clears_.size();
}

absl::Status ShardIntents::ForgetEarlierRun() {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params("DELETE FROM files.shard_intents WHERE instance_id = $1", instance_id_);
    return absl::OkStatus();
  });
}

absl::Status ShardIntents::Refresh() {
  std::set<std::string> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending = pending_clears_;
  }
  for (const std::string& writer : pending) RETURN_IF_ERROR(Clear(writer));
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params("UPDATE files.shard_intents SET refreshed_at = now() WHERE instance_id = $1",
                  instance_id_);
    // Expired intents of crashed processes protect nothing any more.
    w.exec_params(
        "DELETE FROM files.shard_intents WHERE refreshed_at < now() - make_interval(secs => $1)",
        absl::ToDoubleSeconds(ttl_) * 4);
    return absl::OkStatus();
  });
}

absl::Status IntentShardStore::Put(const NodeRef& node, const std::string& shard_id,
                                   std::string_view data) {
  CallCancel never;
  return Put(node, shard_id, data, never);
}

absl::Status IntentShardStore::Put(const NodeRef& node, const std::string& shard_id,
                                   std::string_view data, CallCancel& cancel) {
  if (intents_ != nullptr) {
    absl::Status recorded = intents_->Record(writer_id_, shard_id, node.id);
    if (!recorded.ok()) {
      absl::Status failed = absl::UnavailableError(
          "could not record the shard write: the manifest database is unavailable");
      failed.SetPayload(kShardIntentPayload, absl::Cord("1"));
      return failed;
    }
  }
  return inner_.Put(node, shard_id, data, cancel);
}

namespace internal {

ShardUse LockShardForDeletion(pqxx::work& w, const std::string& shard_id,
                              const std::string& node_id, absl::Duration ttl) {
  w.exec_params(std::string("SELECT pg_advisory_xact_lock(") + kLockKey + ")", shard_id, node_id);
  pqxx::row r = w.exec_params1(
      "SELECT EXISTS (SELECT 1 FROM files.shards WHERE shard_id = $1 AND node_id = $2), "
      "EXISTS (SELECT 1 FROM files.shard_intents WHERE shard_id = $1 AND node_id = $2 AND "
      "refreshed_at > now() - make_interval(secs => $3))",
      shard_id, node_id, absl::ToDoubleSeconds(ttl));
  return {r[0].as<bool>(), r[1].as<bool>()};
}

}  // namespace internal
}  // namespace datamesh::file_ingest
