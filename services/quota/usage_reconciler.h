// UsageReconciler: makes quota's stored-bytes ledger agree with file-ingest's manifests, the
// truth of what is stored. Events normally keep the two in step (file.stored / file.deleted
// through JetStream); one that is lost -- a JetStream server that could not sync it to disk
// before a power loss -- leaves drift that nothing else would ever correct.
//
// A run walks both sides in file-id order, window by window, reading quota's counted files
// before file-ingest's page of the same ids, so a file quota counts was committed before the
// manifests were read:
//   - in the manifests, not counted, committed more than `margin` ago: its file.stored was lost
//     (a younger one may simply not have been consumed yet) -- counted now;
//   - counted, in no manifest: its file.deleted was lost -- uncounted now;
//   - a reservation committed to a file more than `margin` ago, whose file no manifest has:
//     file-ingest died (or its manifest transaction failed) between quota's commit and its
//     own, so no file.stored will ever retire it -- retired now, rather than after
//     --committed-ttl;
// then every user's total is recomputed from its counted files. Every correction is idempotent
// (QuotaStore), so two replicas reconciling at once cannot count twice; within a process one
// run at a time (ABORTED otherwise).
//
// Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/quota/quota_store.h"

namespace datamesh::quota {

// A committed file as file-ingest lists it.
struct ManifestFile {
  std::string file_id;
  std::string user_id;
  uint64_t size = 0;
  absl::Time created_at;
};

// file-ingest's ListStoredFiles: up to `limit` files whose id sorts after `after`, in id order.
using ManifestLister =
    std::function<absl::StatusOr<std::vector<ManifestFile>>(const std::string& after, int limit)>;

struct ReconcileReport {
  uint64_t files_checked = 0;
  uint64_t files_added = 0;
  uint64_t files_removed = 0;
  uint64_t users_corrected = 0;
  int64_t drift_bytes = 0;            // added minus removed
  uint64_t reservations_retired = 0;  // committed to a file that never appeared
  uint64_t reserved_bytes_freed = 0;  // what they held
};

class UsageReconciler {
 public:
  // `metrics` may be null. Exports datamesh_quota_reconcile_corrections_total{kind="added",
  // "removed","recounted","reservation_retired"}, datamesh_quota_reconcile_drift_bytes (the
  // last run's, signed), datamesh_quota_reconcile_reserved_bytes_freed_total and
  // datamesh_quota_reconcile_last_success_timestamp_seconds.
  UsageReconciler(QuotaStore& store, ManifestLister manifests, absl::Duration margin,
                  prometheus::Registry* metrics, std::function<absl::Time()> clock = absl::Now,
                  int page = 1000);

  absl::StatusOr<ReconcileReport> Run();

 private:
  absl::Status RunLocked(ReconcileReport& report);
  // Retires the settled commits in (`after`, `upto`] whose file is not in `manifest_ids`.
  absl::Status RetireOrphanedCommits(const std::string& after, const std::string& upto,
                                     const std::set<std::string>& manifest_ids, absl::Time now,
                                     ReconcileReport& report);

  QuotaStore& store_;
  const ManifestLister manifests_;
  const absl::Duration margin_;
  const std::function<absl::Time()> clock_;
  const int page_;
  std::mutex running_;
  prometheus::Counter* added_ = nullptr;
  prometheus::Counter* removed_ = nullptr;
  prometheus::Counter* recounted_ = nullptr;
  prometheus::Counter* retired_ = nullptr;
  prometheus::Counter* freed_bytes_ = nullptr;
  prometheus::Gauge* drift_ = nullptr;
  prometheus::Gauge* last_success_ = nullptr;
};

}  // namespace datamesh::quota
