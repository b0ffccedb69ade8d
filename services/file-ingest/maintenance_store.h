// MaintenanceStore: what the repair, scrub and GC workers read and write in PostgreSQL
// (schema `files`): maintenance jobs, segment layouts, moved shards, orphan checks, and the
// cluster-wide worker lock.
//
// Thread-safe: every call leases its own pooled connection, except the WorkerLock, which owns
// a dedicated connection (a session-level advisory lock must not go back into the pool).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/file-ingest/repair.h"
#include "shared/pg/pool.h"

namespace datamesh::file_ingest {

struct JobRecord {
  std::string id;
  std::string action;
  std::string state;  // queued, running, succeeded, failed
  std::optional<absl::Time> started_at;
  std::optional<absl::Time> finished_at;
  uint64_t examined = 0;
  uint64_t fixed = 0;
  std::string message;
};

struct StartedJob {
  std::string id;
  bool created = false;  // false: a job of this action was already queued or running
};

// Holds pg_try_advisory_lock on its own connection until destroyed (or the connection drops,
// which releases it too).
class WorkerLock {
 public:
  // Which lock: repair, scrub and GC share one; the re-encode job has its own.
  static constexpr int kMaintenance = 1;
  static constexpr int kReencode = 2;

  // The lock if no other session holds it, else nullopt. UNAVAILABLE: cannot connect.
  static absl::StatusOr<std::unique_ptr<WorkerLock>> TryAcquire(const std::string& pg_url,
                                                                int which = kMaintenance);
  ~WorkerLock();

 private:
  WorkerLock(std::unique_ptr<pqxx::connection> conn, int which)
      : conn_(std::move(conn)), which_(which) {}
  std::unique_ptr<pqxx::connection> conn_;
  const int which_;
};

class MaintenanceStore {
 public:
  MaintenanceStore(pg::Pool& pool, absl::Duration intent_ttl)
      : pool_(pool), intent_ttl_(intent_ttl) {}

  // Queues a job unless one of `action` is queued or running (jobs not updated for
  // `stale_after` count as dead and are marked failed first).
  [[nodiscard]] absl::StatusOr<StartedJob> StartJob(const std::string& job_id,
                                                    const std::string& action,
                                                    const std::string& actor_id,
                                                    const std::string& instance_id,
                                                    absl::Duration stale_after);
  [[nodiscard]] absl::Status MarkRunning(const std::string& job_id);
  // Also a liveness beat for a queued or running job.
  [[nodiscard]] absl::Status UpdateProgress(const std::string& job_id, uint64_t examined,
                                            uint64_t fixed);
  [[nodiscard]] absl::Status FinishJob(const std::string& job_id, bool succeeded,
                                       const std::string& message, uint64_t examined,
                                       uint64_t fixed);
  // NOT_FOUND when unknown.
  [[nodiscard]] absl::StatusOr<JobRecord> GetJob(const std::string& job_id);

  // The segments of up to `limit` segmented contents with ids after `after`, by content id.
  [[nodiscard]] absl::StatusOr<std::vector<SegmentLayout>> ListLayouts(const std::string& after,
                                                                       int limit);
  // Points the segment's rebuilt shards at their new nodes in one transaction, where the row
  // still names the old node; a rebuilt shard whose row is gone (file deleted meanwhile) or
  // changed is queued for deletion instead. Returns how many rows moved.
  // Shards recorded kWriting that their node holds now (a repair pass saw them): kStored.
  // Covers writes whose file-ingest died before it could record how they ended.
  [[nodiscard]] absl::Status ConfirmWritten(const std::vector<SettledShard>& present);
  [[nodiscard]] absl::StatusOr<int> MoveShards(const SegmentLayout& segment,
                                               const std::vector<int>& positions,
                                               const std::vector<ShardRecord>& rebuilt);

  // Of `shard_ids` on `node_id`, those no manifest references and no live intent names.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> FilterUnreferenced(
      const std::string& node_id, const std::vector<std::string>& shard_ids);
  // Under the shard's deletion lock, re-checks it is still an orphan and then calls `remove`
  // (also dropping queued deletions of it). Returns whether it was removed.
  [[nodiscard]] absl::StatusOr<bool> RemoveIfOrphan(const std::string& shard_id,
                                                    const std::string& node_id,
                                                    const std::function<absl::Status()>& remove);

 private:
  pg::Pool& pool_;
  const absl::Duration intent_ttl_;
};

}  // namespace datamesh::file_ingest
