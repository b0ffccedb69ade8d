// Shard intents: a writer (an upload, a repair run) records each (shard, node) in
// files.shard_intents BEFORE it puts the shard, and clears them once the manifest references
// the shards or it gave up. Whoever deletes shards (the deletion queue, garbage collection)
// takes the same per-(shard, node) advisory lock exclusively and re-checks manifest references
// and live intents inside that lock, while Record takes it shared. So either the deleter sees
// the intent and keeps the shard, or the writer's PutShard happens after the delete (and
// writes the shard again): a shard an uncommitted upload relies on, even one the node
// answered "already present" for, is never deleted under it.
//
// Intents carry the instance that wrote them; each instance refreshes its own periodically
// (Refresh), so the intents of a crashed process expire after `ttl` and GC may then collect
// its shards.
//
// Thread-safe: every call leases its own pooled connection.
#pragma once

#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/file-ingest/shard_backend.h"
#include "shared/pg/pool.h"

namespace datamesh::file_ingest {

class ShardIntents {
 public:
  ShardIntents(pg::Pool& pool, std::string instance_id, absl::Duration ttl)
      : pool_(pool), instance_id_(std::move(instance_id)), ttl_(ttl) {}

  [[nodiscard]] absl::Status Record(const std::string& writer_id, const std::string& shard_id,
                                    const std::string& node_id);
  // Removes every intent of the writer. When that fails (the database is away), the writer is
  // remembered and cleared by the next Refresh: a live instance refreshes its intents, so a
  // leftover would otherwise protect the writer's orphan shards from GC for as long as the
  // instance runs.
  [[nodiscard]] absl::Status Clear(const std::string& writer_id);
  // Drops intents left by an earlier process with this instance id (instance ids are stable
  // across restarts): call once at start, before any write.
  [[nodiscard]] absl::Status ForgetEarlierRun();
  // Clears the writers a failed Clear left, then keeps this instance's other intents alive;
  // call more often than ttl.
  [[nodiscard]] absl::Status Refresh();
  absl::Duration ttl() const { return ttl_; }
  size_t pending_clears() const;

 private:
  pg::Pool& pool_;
  const std::string instance_id_;
  const absl::Duration ttl_;
  mutable std::mutex mu_;
  std::set<std::string> pending_clears_;  // writers whose Clear failed
};

// Marks an error of the shard-intent bookkeeping (the database), not of a storage node: an
// upload fails with it as it is rather than trying other nodes.
inline constexpr char kShardIntentPayload[] = "type.datamesh/file-ingest.shard-intent";

// A ShardStore that records an intent before every Put (writes fail if the intent cannot be
// recorded). One per writer; the caller clears the writer's intents when done.
class IntentShardStore final : public ShardStore {
 public:
  // `intents` may be null: then it only forwards.
  IntentShardStore(ShardStore& inner, ShardIntents* intents, std::string writer_id)
      : inner_(inner), intents_(intents), writer_id_(std::move(writer_id)) {}

  absl::Status Put(const NodeRef& node, const std::string& shard_id,
                   std::string_view data) override;
  absl::Status Put(const NodeRef& node, const std::string& shard_id, std::string_view data,
                   CallCancel& cancel) override;
  absl::Status GetInto(const NodeRef& node, const std::string& shard_id,
                       std::span<uint8_t> out) override {
    return inner_.GetInto(node, shard_id, out);
  }
  absl::Status GetInto(const NodeRef& node, const std::string& shard_id, std::span<uint8_t> out,
                       CallCancel& cancel) override {
    return inner_.GetInto(node, shard_id, out, cancel);
  }
  absl::Status Delete(const NodeRef& node, const std::string& shard_id) override {
    return inner_.Delete(node, shard_id);
  }

 private:
  ShardStore& inner_;
  ShardIntents* const intents_;
  const std::string writer_id_;
};

namespace internal {

// Inside `w`: takes the exclusive advisory lock of (shard, node) for the rest of the
// transaction, then whether a manifest references the shard on that node and whether a live
// intent (refreshed within `ttl`) names it.
struct ShardUse {
  bool referenced = false;
  bool intended = false;
};
ShardUse LockShardForDeletion(pqxx::work& w, const std::string& shard_id,
                              const std::string& node_id, absl::Duration ttl);

}  // namespace internal
}  // namespace datamesh::file_ingest
