#include "services/quota/usage_reconciler.h"

#include <algorithm>
#include <map>

#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::quota {

UsageReconciler::UsageReconciler(QuotaStore& store, ManifestLister manifests, absl::Duration margin,
                                 prometheus::Registry* metrics, std::function<absl::Time()> clock,
                                 int page)
    : store_(store),
      manifests_(std::move(manifests)),
      margin_(margin),
      clock_(std::move(clock)),
      page_(page) {
  if (metrics == nullptr) return;
  auto& corrections = prometheus::BuildCounter()
                          .Name("datamesh_quota_reconcile_corrections_total")
                          .Help(
                              "Usage corrections from file-ingest's manifests: files counted "
                              "(added), uncounted (removed), user totals recomputed")
                          .Register(*metrics);
  added_ = &corrections.Add({{"kind", "added"}});
  removed_ = &corrections.Add({{"kind", "removed"}});
  recounted_ = &corrections.Add({{"kind", "recounted"}});
  retired_ = &corrections.Add({{"kind", "reservation_retired"}});
  freed_bytes_ = &prometheus::BuildCounter()
                      .Name("datamesh_quota_reconcile_reserved_bytes_freed_total")
                      .Help(
                          "Bytes of committed reservations retired because their file never "
                          "appeared in the manifests")
                      .Register(*metrics)
                      .Add({});
  drift_ = &prometheus::BuildGauge()
                .Name("datamesh_quota_reconcile_drift_bytes")
                .Help("Bytes the last reconciliation added minus bytes it removed")
                .Register(*metrics)
                .Add({});
  last_success_ = &prometheus::BuildGauge()
                       .Name("datamesh_quota_reconcile_last_success_timestamp_seconds")
                       .Help("When a reconciliation last finished")
                       .Register(*metrics)
                       .Add({});
}

absl::StatusOr<ReconcileReport> UsageReconciler::Run() {
  std::unique_lock<std::mutex> lock(running_, std::try_to_lock);
  if (!lock.owns_lock()) return absl::AbortedError("a usage reconciliation is already running");
  ReconcileReport report;
  RETURN_IF_ERROR(RunLocked(report));
  if (drift_ != nullptr) drift_->Set(static_cast<double>(report.drift_bytes));
  if (last_success_ != nullptr) last_success_->Set(absl::ToUnixSeconds(clock_()));
  if (report.files_added + report.files_removed + report.users_corrected +
          report.reservations_retired >
      0) {
    log::Warn("usage reconciliation corrected drift",
              {{"files_added", static_cast<int64_t>(report.files_added)},
               {"files_removed", static_cast<int64_t>(report.files_removed)},
               {"users_corrected", static_cast<int64_t>(report.users_corrected)},
               {"drift_bytes", report.drift_bytes},
               {"reservations_retired", static_cast<int64_t>(report.reservations_retired)},
               {"reserved_bytes_freed", static_cast<int64_t>(report.reserved_bytes_freed)}});
  }
  return report;
}

absl::Status UsageReconciler::RunLocked(ReconcileReport& report) {
  const absl::Time now = clock_();
  const absl::Time settled_before = now - margin_;
  std::string cursor;
  while (true) {
    // Quota's side first (see the header), then the manifests of the same ids.
    ASSIGN_OR_RETURN(std::vector<CountedFile> counted, store_.ListCountedFiles(cursor, page_));
    ASSIGN_OR_RETURN(std::vector<ManifestFile> stored, manifests_(cursor, page_));
    // The window ends where the page reaching less far ends; a short page reaches the end.
    const bool counted_done = static_cast<int>(counted.size()) < page_;
    const bool stored_done = static_cast<int>(stored.size()) < page_;
    std::string upper;
    if (!counted_done) upper = counted.back().file_id;
    if (!stored_done && (upper.empty() || stored.back().file_id < upper)) {
      upper = stored.back().file_id;
    }
    const bool last = counted_done && stored_done;
    auto in_window = [&](const std::string& id) { return last || id <= upper; };
    std::map<std::string, const CountedFile*> by_id;
    for (const CountedFile& f : counted) {
      if (in_window(f.file_id)) by_id[f.file_id] = &f;
    }
    std::set<std::string> manifest_ids;
    for (const ManifestFile& f : stored) {
      if (in_window(f.file_id)) manifest_ids.insert(f.file_id);
    }
    RETURN_IF_ERROR(RetireOrphanedCommits(cursor, last ? "" : upper, manifest_ids, now, report));
    for (const ManifestFile& f : stored) {
      if (!in_window(f.file_id)) continue;
      ++report.files_checked;
      if (by_id.erase(f.file_id) > 0) continue;
      if (f.created_at >= settled_before) continue;  // its file.stored may still be on its way
      ASSIGN_OR_RETURN(bool added, store_.CountMissedFile(f.user_id, f.file_id, f.size, now));
      if (!added) continue;
      ++report.files_added;
      report.drift_bytes += static_cast<int64_t>(f.size);
      if (added_ != nullptr) added_->Increment();
    }
    for (const auto& [id, f] : by_id) {
      ++report.files_checked;
      ASSIGN_OR_RETURN(bool removed, store_.UncountVanishedFile(f->user_id, id, now));
      if (!removed) continue;
      ++report.files_removed;
      report.drift_bytes -= static_cast<int64_t>(f->bytes);
      if (removed_ != nullptr) removed_->Increment();
    }
    if (last) break;
    cursor = upper;
  }
  ASSIGN_OR_RETURN(QuotaStore::Recount recount, store_.RecountStoredBytes(now));
  report.users_corrected = recount.users;
  report.drift_bytes += recount.drift;
  if (recounted_ != nullptr) recounted_->Increment(static_cast<double>(recount.users));
  return absl::OkStatus();
}

// The commits are read after the manifests of the window, yet a manifest committed in
// between cannot be missed: file-ingest commits its manifest right after quota's commit, and
// only commits older than the margin are candidates. Were one retired early all the same, its
// file.stored would still count the file and retire it: usage would be low for a moment, never
// counted twice.
absl::Status UsageReconciler::RetireOrphanedCommits(const std::string& after,
                                                    const std::string& upto,
                                                    const std::set<std::string>& manifest_ids,
                                                    absl::Time now, ReconcileReport& report) {
  ASSIGN_OR_RETURN(std::vector<CommittedReservation> commits,
                   store_.ListSettledCommits(after, upto, now - margin_, now));
  for (const CommittedReservation& r : commits) {
    if (manifest_ids.count(r.file_id) > 0) continue;  // file.stored will retire it
    ASSIGN_OR_RETURN(bool retired, store_.RetireOrphanedCommit(r.id, now));
    if (!retired) continue;
    ++report.reservations_retired;
    report.reserved_bytes_freed += r.bytes;
    if (retired_ != nullptr) retired_->Increment();
    if (freed_bytes_ != nullptr) freed_bytes_->Increment(static_cast<double>(r.bytes));
  }
  return absl::OkStatus();
}

}  // namespace datamesh::quota
