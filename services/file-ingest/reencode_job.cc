// MaintenanceRunner's re-encode job: walks the contents whose shape is not the current one
// and moves each to it (reencode.h, reencode_store.h).
//
// Contents are handled in id order; the position (cursor), the bytes and the counters are
// saved after every content, so a job that dies is resumed by the next one for the same shape
// (ResumePoint), and contents already moved are skipped anyway. A content that cannot be moved
// now (a node down, too few distinct nodes for k' + m') keeps its old shards; the pass goes on,
// and passes repeat every kRetryWait until none is left or kRetryFor after the first pass that
// left some is over. A change of shape
// while the job runs restarts the walk for the new shape.
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/file-ingest/maintenance.h"
#include "services/file-ingest/maintenance_progress.h"
#include "services/file-ingest/reencode.h"
#include "services/file-ingest/reencode_store.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

constexpr int kPage = 100;
constexpr absl::Duration kRetryWait = absl::Seconds(5);
constexpr absl::Duration kRetryFor = absl::Minutes(10);

std::string ShapeName(const erasure::ErasureCodec& c) {
  return absl::StrCat(c.data_shards(), "+", c.parity_shards());
}

}  // namespace

// Sleeps `d` in short steps; false when the runner is stopping.
bool MaintenanceRunner::Pause(absl::Duration d) {
  const absl::Time until = absl::Now() + d;
  while (!stop_) {
    const absl::Time now = absl::Now();
    if (now >= until) return true;
    absl::SleepFor(std::min(until - now, absl::Milliseconds(200)));
  }
  return false;
}

absl::StatusOr<bool> MaintenanceRunner::ReencodeContent(const std::string& content_id,
                                                        const erasure::ErasureCodec& target,
                                                        ReencodeThrottle& throttle,
                                                        Progress& progress, uint64_t* bytes) {
  absl::StatusOr<StoredContent> content = deps_.reencode_store->Load(content_id);
  if (absl::IsNotFound(content.status())) return false;  // deleted meanwhile
  RETURN_IF_ERROR(content.status());
  if (!NeedsReencode(content->data_shards, content->parity_shards, target)) return false;
  const std::string writer = "reencode/" + content_id;
  IntentShardStore tracked(*deps_.shards, deps_.intents, writer);
  SegmentReencoder reencoder(*deps_.placement, tracked);
  std::vector<ShardRecord> written;
  std::vector<ReencodedSegment> segments;
  absl::Status status;
  uint64_t sealed = 0;
  for (const StoredSegment& seg : content->segments) {
    absl::StatusOr<ReencodedSegment> r = reencoder.Reencode(*content, seg, target, &written);
    if (!r.ok()) {
      status = r.status();
      break;
    }
    segments.push_back(*std::move(r));
    sealed += SealedSize(seg.stored_size);
    progress.Beat();  // a large file takes minutes: the job row must stay fresh
    if (!Pause(throttle.After(SealedSize(seg.stored_size), absl::Now()))) {
      status = absl::CancelledError("file-ingest is stopping");
      break;
    }
  }
  bool switched = false;
  if (status.ok()) {
    absl::StatusOr<bool> s = deps_.reencode_store->Switch(
        *content, std::string(target.id()), target.data_shards(), target.parity_shards(), segments,
        options_.reencode_free_delay);
    if (s.ok()) switched = *s;
    status = s.status();
  }
  // New shards the manifest does not point at (failed or lost the race) are freed at once;
  // the intents go after the queue entries, so GC never sees them unclaimed and unqueued.
  if (!switched && !written.empty()) {
    if (auto f = deps_.reencode_store->Free(written); !f.ok()) {
      log::Warn("could not queue re-encoded shards for deletion", {{"error", f.ToString()}});
    }
  }
  if (deps_.intents != nullptr) (void)deps_.intents->Clear(writer);
  if (!status.ok()) return status;
  if (switched) *bytes += sealed;
  return switched;
}

absl::Status MaintenanceRunner::Reencode(Progress& progress) {
  if (deps_.codec == nullptr || deps_.reencode_store == nullptr) {
    return absl::FailedPreconditionError("re-encoding is not enabled");
  }
  ReencodeStore& store = *deps_.reencode_store;
  const erasure::ErasureCodec* target = deps_.codec->Get();
  ASSIGN_OR_RETURN(ReencodeProgress at, store.ResumePoint(progress.job_id(), ShapeName(*target)));
  ReencodeThrottle throttle(options_.reencode_bytes_per_second);
  throttle.Start(absl::Now());
  // Set when a pass first ends with contents left: retries go on for kRetryFor from then.
  std::optional<absl::Time> give_up;
  uint64_t failed = 0;
  std::string last_error;
  auto save = [&] {
    std::string message = absl::StrFormat(
        "re-encoding to %s: %d examined, %d re-encoded, %d bytes, %d failed this pass%s", at.target,
        progress.examined, progress.fixed, at.bytes, failed,
        last_error.empty() ? "" : " (last: " + last_error + ")");
    if (auto s =
            store.SaveProgress(progress.job_id(), at, progress.examined, progress.fixed, message);
        !s.ok()) {
      log::Warn("could not save re-encode progress", {{"error", s.ToString()}});
    }
  };
  while (true) {
    failed = 0;
    bool shape_changed = false;
    for (std::vector<std::string> page;;) {
      ASSIGN_OR_RETURN(
          page, store.ListStale(target->data_shards(), target->parity_shards(), at.cursor, kPage));
      if (page.empty()) break;
      for (const std::string& id : page) {
        if (stop_) return absl::CancelledError("file-ingest is stopping");
        if (deps_.codec->Get() != target) {
          shape_changed = true;
          break;
        }
        ++progress.examined;
        absl::StatusOr<bool> moved = ReencodeContent(id, *target, throttle, progress, &at.bytes);
        if (absl::IsCancelled(moved.status())) return moved.status();
        if (!moved.ok()) {
          ++failed;
          last_error = std::string(moved.status().message());
          log::Warn("content not re-encoded yet", {{"content_id", id}, {"error", last_error}});
        } else if (*moved) {
          ++progress.fixed;
        }
        at.cursor = id;
        save();
      }
      if (shape_changed) break;
    }
    at.cursor.clear();  // the next pass starts over: earlier failures, skipped contents
    if (shape_changed) {
      target = deps_.codec->Get();
      at = {ShapeName(*target), "", 0};
      log::Info("erasure shape changed during re-encoding", {{"target", at.target}});
      continue;
    }
    save();
    progress.detail = absl::StrCat(", ", at.bytes, " bytes re-encoded to ", at.target);
    // Uploads that began before the change commit in the old shape after the walk passed
    // them, and a switch that lost a race leaves its content behind: look again.
    ASSIGN_OR_RETURN(std::vector<std::string> left,
                     store.ListStale(target->data_shards(), target->parity_shards(), "", 1));
    if (left.empty()) return absl::OkStatus();
    if (!give_up) give_up = absl::Now() + kRetryFor;
    if (absl::Now() >= *give_up) {
      progress.failed = std::max<uint64_t>(failed, 1);
      return absl::OkStatus();
    }
    if (!Pause(failed > 0 ? kRetryWait : absl::Seconds(1))) {
      return absl::CancelledError("file-ingest is stopping");
    }
  }
}

}  // namespace datamesh::file_ingest
