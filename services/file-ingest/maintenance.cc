// MaintenanceRunner: jobs, threads, the worker lock and metrics (the work itself is in
// maintenance_work.cc).
#include "services/file-ingest/maintenance.h"

#include "services/file-ingest/maintenance_progress.h"
#include "shared/crypto/random.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

constexpr absl::Duration kLockRetry = absl::Seconds(1);

prometheus::Counter* AddCounter(prometheus::Family<prometheus::Counter>* family,
                                const std::map<std::string, std::string>& labels) {
  return family == nullptr ? nullptr : &family->Add(labels);
}

}  // namespace

bool IsMaintenanceAction(const std::string& action) {
  return action == "repair" || action == "scrub" || action == "gc" || action == "reencode";
}

MaintenanceRunner::MaintenanceRunner(MaintenanceDeps deps, MaintenanceOptions options)
    : deps_(deps), options_(std::move(options)) {
  if (deps_.metrics == nullptr) return;
  auto& segments = prometheus::BuildCounter()
                       .Name("datamesh_file_ingest_repair_segments_total")
                       .Help("Segments the repair worker checked, repaired or failed to repair")
                       .Register(*deps_.metrics);
  segments_checked_ = AddCounter(&segments, {{"result", "checked"}});
  segments_repaired_ = AddCounter(&segments, {{"result", "repaired"}});
  segments_failed_ = AddCounter(&segments, {{"result", "failed"}});
  shards_rebuilt_ =
      &prometheus::BuildCounter()
           .Name("datamesh_file_ingest_repair_shards_rebuilt_total")
           .Help(
               "Shards rebuilt and re-placed by repair (lost ones, and crowded ones moved "
               "to a node the segment did not use)")
           .Register(*deps_.metrics)
           .Add({});
  backlog_ = &prometheus::BuildGauge()
                  .Name("datamesh_file_ingest_repair_backlog_segments")
                  .Help("Segments the running repair pass still has to rebuild")
                  .Register(*deps_.metrics)
                  .Add({});
  auto& scrub = prometheus::BuildCounter()
                    .Name("datamesh_file_ingest_scrub_shards_total")
                    .Help("Shards re-hashed by scrub, and those found corrupt")
                    .Register(*deps_.metrics);
  scrub_scanned_ = AddCounter(&scrub, {{"result", "scanned"}});
  scrub_corrupt_ = AddCounter(&scrub, {{"result", "corrupt"}});
  gc_deleted_ = &prometheus::BuildCounter()
                     .Name("datamesh_file_ingest_gc_shards_deleted_total")
                     .Help("Orphan shards deleted by garbage collection")
                     .Register(*deps_.metrics)
                     .Add({});
}

MaintenanceRunner::~MaintenanceRunner() { Stop(); }

void MaintenanceRunner::Stop() {
  stop_ = true;
  std::vector<Worker> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers.swap(workers_);
  }
  for (Worker& w : workers) w.thread.join();
}

absl::StatusOr<std::string> MaintenanceRunner::Start(const std::string& action,
                                                     const std::string& actor_id) {
  if (!IsMaintenanceAction(action)) {
    return absl::InvalidArgumentError("action must be repair, scrub, gc or reencode");
  }
  if (stop_) return absl::UnavailableError("shutting down");
  ASSIGN_OR_RETURN(std::string id, crypto::NewUuid());
  ASSIGN_OR_RETURN(StartedJob job, deps_.store->StartJob(id, action, actor_id, options_.instance_id,
                                                         options_.stale_job));
  if (!job.created) return job.id;
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return job.id;  // stays queued; marked abandoned later
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (!*it->done) {
      ++it;
      continue;
    }
    it->thread.join();
    it = workers_.erase(it);
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  workers_.push_back({std::thread([this, id = job.id, action, done] {
                        Run(id, action);
                        *done = true;
                      }),
                      done});
  return job.id;
}

void MaintenanceRunner::RequestRepair(const std::string& reason) {
  auto id = Start("repair", reason);
  if (!id.ok()) {
    log::Warn("could not start repair", {{"error", id.status().ToString()}});
    repair_again_ = true;
    return;
  }
  auto job = deps_.store->GetJob(*id);
  if (job.ok() && job->state == "running") repair_again_ = true;
}

absl::StatusOr<JobRecord> MaintenanceRunner::Get(const std::string& job_id) {
  return deps_.store->GetJob(job_id);
}

void MaintenanceRunner::Run(const std::string& job_id, const std::string& action) {
  Progress progress(*deps_.store, job_id);
  std::unique_ptr<WorkerLock> lock;
  while (!stop_) {
    // Re-encoding takes hours on a large store: it has its own lock so repair is never
    // queued behind it.
    auto got = WorkerLock::TryAcquire(
        options_.pg_url, action == "reencode" ? WorkerLock::kReencode : WorkerLock::kMaintenance);
    if (got.ok() && *got) {
      lock = std::move(*got);
      break;
    }
    progress.Beat();  // still queued, not abandoned
    absl::SleepFor(kLockRetry);
  }
  absl::Status status = absl::CancelledError("file-ingest is stopping");
  if (lock) {
    if (action == "repair") repair_again_ = false;
    status = deps_.store->MarkRunning(job_id);
    if (status.ok()) status = Execute(action, progress);
  }
  lock.reset();
  const bool ok = status.ok() && progress.failed == 0;
  std::string message = status.ok() ? progress.Summary() : std::string(status.message());
  absl::Status saved =
      deps_.store->FinishJob(job_id, ok, message, progress.examined, progress.fixed);
  log::Info("maintenance job finished", {{"job_id", job_id},
                                         {"action", action},
                                         {"ok", ok},
                                         {"examined", static_cast<int64_t>(progress.examined)},
                                         {"fixed", static_cast<int64_t>(progress.fixed)},
                                         {"message", message}});
  if (!saved.ok()) log::Warn("could not record job end", {{"error", saved.ToString()}});
  if (action == "repair" && repair_again_.exchange(false) && !stop_) {
    (void)Start("repair", "system");
  }
}

absl::Status MaintenanceRunner::Execute(const std::string& action, Progress& progress) {
  if (action == "repair") return RepairPass(progress, {}, false);
  if (action == "scrub") return Scrub(progress);
  if (action == "reencode") return Reencode(progress);
  return CollectGarbage(progress);
}

}  // namespace datamesh::file_ingest
