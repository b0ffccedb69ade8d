// MaintenanceRunner: the repair, scrub and garbage-collection jobs.
//
// Start(action) records a job in files.maintenance_jobs (at most one queued or running job per
// action across all replicas: a second request gets the running job's id) and runs it on its
// own thread. A job first takes the cluster-wide worker lock (WorkerLock: one maintenance job
// at a time across replicas, since all of them move or delete shards), waiting as "queued".
//
//  * repair: every segment with a shard on a node that is not up, or missing from its node
//    (HasShards), gets the lost shards rebuilt and re-placed (repair.h), fewest healthy shards
//    first; the manifest rows move in one transaction per segment.
//  * scrub: every live node re-hashes its shards and deletes corrupt ones; then a repair pass
//    rebuilds them. `fixed` counts corrupt shards replaced.
//  * reencode: every content whose erasure shape is not the current one (after governance
//    changed it) is moved to it: new shards written, the manifest switched in one
//    transaction, the old shards freed after a delay (reencode.h, reencode_job.cc). It has a
//    lock of its own, so repair, scrub and GC keep running beside it; the switch checks the
//    rows they may have changed.
//  * gc: shards on live nodes older than the grace period that no manifest references and no
//    live intent names (shard_intents.h) are deleted, each re-checked under its deletion lock.
//    Intents make this correct for uploads still running however long they take; the grace
//    period (on the node's file time) only spares fresh shards the checks and absorbs clock
//    skew between nodes and PostgreSQL. It first aborts multipart uploads idle past
//    --multipart-expiry (MaintenanceDeps::expire_uploads), so their shards go with the queue.
//
// Thread-safe. Stop() (or the destructor) ends running jobs between items and joins them.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/file-ingest/live_params.h"
#include "services/file-ingest/maintenance_store.h"
#include "services/file-ingest/node_admin.h"
#include "services/file-ingest/reencode.h"
#include "services/file-ingest/repair.h"
#include "services/file-ingest/shard_intents.h"

namespace datamesh::file_ingest {

class ReencodeStore;

struct MaintenanceDeps {
  MaintenanceStore* store = nullptr;
  Placement* placement = nullptr;
  ShardStore* shards = nullptr;
  NodeAdmin* admin = nullptr;
  ShardIntents* intents = nullptr;          // may be null (tests)
  prometheus::Registry* metrics = nullptr;  // may be null
  // The shape new uploads use and the re-encode job's store; null: no re-encode job.
  const LiveCodec* codec = nullptr;
  ReencodeStore* reencode_store = nullptr;
  // Aborts the multipart uploads idle past their expiry (freeing their shards and quota) and
  // says how many; the gc job runs it first. Null: none.
  std::function<absl::StatusOr<int>()> expire_uploads;
};

struct MaintenanceOptions {
  std::string pg_url;  // for the worker lock's own connection
  std::string instance_id;
  absl::Duration gc_grace = absl::Hours(1);
  // A node down for less than this is taken as restarting: its shards are rebuilt only for
  // segments at risk (k live shards or fewer). 0: rebuild at once.
  absl::Duration repair_down_grace = absl::Minutes(5);
  // A queued or running job not updated for this long is taken as abandoned.
  absl::Duration stale_job = absl::Minutes(2);
  // Re-encoding: sealed segment bytes per second (0: unthrottled), and how long the old
  // shards of a switched content stay for downloads that read the manifest before.
  int64_t reencode_bytes_per_second = 32 << 20;
  absl::Duration reencode_free_delay = absl::Minutes(10);
};

// "repair", "scrub", "gc", "reencode".
bool IsMaintenanceAction(const std::string& action);

class MaintenanceRunner {
 public:
  MaintenanceRunner(MaintenanceDeps deps, MaintenanceOptions options);
  ~MaintenanceRunner();
  MaintenanceRunner(const MaintenanceRunner&) = delete;
  MaintenanceRunner& operator=(const MaintenanceRunner&) = delete;

  // The job's id: a new one, or the one already queued or running for `action`.
  // INVALID_ARGUMENT: unknown action.
  [[nodiscard]] absl::StatusOr<std::string> Start(const std::string& action,
                                                  const std::string& actor_id);
  // As Start("repair"), and when a repair is already running, another one follows it (the
  // running pass may have listed node states before the change that triggered this).
  void RequestRepair(const std::string& reason);
  [[nodiscard]] absl::StatusOr<JobRecord> Get(const std::string& job_id);
  void Stop();

 private:
  struct Progress;
  void Run(const std::string& job_id, const std::string& action);
  absl::Status Execute(const std::string& action, Progress& progress);
  absl::Status RepairPass(Progress& progress, const MissingShards& seed, bool count_seed_only);
  // Asks the up nodes which of their shards they hold: the absent go into `missing`, and
  // shards recorded kWriting that their node holds into `landed`.
  absl::Status CheckPresence(const std::vector<SegmentLayout>& layouts,
                             const std::set<std::string>& up, MissingShards* missing,
                             std::vector<SettledShard>* landed);
  absl::Status RepairAll(std::vector<RepairTask> tasks, Progress& progress,
                         const MissingShards& seed, bool count_seed_only);
  absl::Status Scrub(Progress& progress);
  absl::Status CollectGarbage(Progress& progress);
  absl::Status Reencode(Progress& progress);
  // Moves one content to `target`; whether it was switched. Adds its sealed bytes to `bytes`.
  absl::StatusOr<bool> ReencodeContent(const std::string& content_id,
                                       const erasure::ErasureCodec& target,
                                       ReencodeThrottle& throttle, Progress& progress,
                                       uint64_t* bytes);
  // Sleeps up to `d`; false (early) when stopping.
  bool Pause(absl::Duration d);

  const MaintenanceDeps deps_;
  const MaintenanceOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> repair_again_{false};
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex mu_;
  std::vector<Worker> workers_;  // finished ones are joined when the next job starts

  prometheus::Counter* segments_checked_ = nullptr;
  prometheus::Counter* segments_repaired_ = nullptr;
  prometheus::Counter* segments_failed_ = nullptr;
  prometheus::Counter* shards_rebuilt_ = nullptr;
  prometheus::Gauge* backlog_ = nullptr;
  prometheus::Counter* scrub_scanned_ = nullptr;
  prometheus::Counter* scrub_corrupt_ = nullptr;
  prometheus::Counter* gc_deleted_ = nullptr;
};

}  // namespace datamesh::file_ingest
