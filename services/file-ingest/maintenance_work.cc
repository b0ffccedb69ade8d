// MaintenanceRunner: the repair pass, scrub and garbage collection.
#include <algorithm>
#include <map>

#include "absl/time/clock.h"
#include "services/file-ingest/maintenance.h"
#include "services/file-ingest/maintenance_progress.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

constexpr int kContentsPerPage = 200;

void Inc(prometheus::Counter* c, double v = 1) {
  if (c != nullptr) c->Increment(v);
}

}  // namespace

absl::Status MaintenanceRunner::CheckPresence(const std::vector<SegmentLayout>& layouts,
                                              const std::set<std::string>& up,
                                              MissingShards* missing,
                                              std::vector<SettledShard>* landed) {
  std::map<std::string, std::pair<NodeRef, std::set<std::string>>> by_node;
  // (node id, shard id) -> the kWriting records that name it there.
  std::map<std::pair<std::string, std::string>, std::vector<SettledShard>> writing;
  for (const SegmentLayout& seg : layouts) {
    for (const ShardRecord& s : seg.shards) {
      if (!up.count(s.node.id)) continue;
      auto& entry = by_node[s.node.id];
      entry.first = s.node;
      entry.second.insert(s.shard_id);
      if (s.state == ShardState::kWriting) {
        writing[{s.node.id, s.shard_id}].push_back(
            {seg.content_id, seg.segment_index, s.index, s.node.id, true});
      }
    }
  }
  for (const auto& [node_id, entry] : by_node) {
    std::vector<std::string> ids(entry.second.begin(), entry.second.end());
    for (size_t at = 0; at < ids.size(); at += kMaxHasShards) {
      std::vector<std::string> batch(ids.begin() + at,
                                     ids.begin() + std::min(ids.size(), at + kMaxHasShards));
      auto present = deps_.admin->HasShards(entry.first, batch);
      // An unreachable node that dht still lists as up: reads fall back; dht will mark it.
      if (!present.ok()) break;
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!(*present)[i]) {
          missing->insert({node_id, batch[i]});
        } else if (auto w = writing.find({node_id, batch[i]}); w != writing.end()) {
          landed->insert(landed->end(), w->second.begin(), w->second.end());
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status MaintenanceRunner::RepairPass(Progress& progress, const MissingShards& seed,
                                           bool count_seed_only) {
  ASSIGN_OR_RETURN(std::vector<NodeRef> live, deps_.admin->LiveNodes());
  std::set<std::string> up;
  for (const NodeRef& n : live) up.insert(n.id);
  std::set<std::string> waiting;
  if (options_.repair_down_grace > absl::ZeroDuration()) {
    ASSIGN_OR_RETURN(auto down, deps_.admin->DownNodes());
    const absl::Time since = absl::Now() - options_.repair_down_grace;
    for (const auto& [id, last_seen] : down) {
      if (last_seen > since) waiting.insert(id);
    }
  }
  std::vector<RepairTask> tasks;
  std::string after;
  while (!stop_) {
    ASSIGN_OR_RETURN(std::vector<SegmentLayout> page,
                     deps_.store->ListLayouts(after, kContentsPerPage));
    if (page.empty()) break;
    after = page.back().content_id;
    MissingShards missing = seed;
    std::vector<SettledShard> landed;
    RETURN_IF_ERROR(CheckPresence(page, up, &missing, &landed));
    // Writes whose uploader could not record that they landed (it died first).
    if (!landed.empty()) RETURN_IF_ERROR(deps_.store->ConfirmWritten(landed));
    if (!count_seed_only) progress.examined += page.size();
    Inc(segments_checked_, page.size());
    for (RepairTask& t : PlanRepairs(std::move(page), up, missing, waiting)) {
      tasks.push_back(std::move(t));
    }
    progress.Beat();
  }
  std::stable_sort(tasks.begin(), tasks.end(), NearerToLoss);
  return RepairAll(std::move(tasks), progress, seed, count_seed_only);
}

absl::Status MaintenanceRunner::RepairAll(std::vector<RepairTask> tasks, Progress& progress,
                                          const MissingShards& seed, bool count_seed_only) {
  const std::string writer = "repair/" + options_.instance_id;
  IntentShardStore tracked(*deps_.shards, deps_.intents, writer);
  SegmentRepairer repairer(*deps_.placement, tracked);
  size_t left = tasks.size();
  if (backlog_ != nullptr) backlog_->Set(static_cast<double>(left));
  for (const RepairTask& task : tasks) {
    if (stop_) break;
    auto rebuilt = repairer.Rebuild(task);
    absl::StatusOr<int> moved = rebuilt.ok()
                                    ? deps_.store->MoveShards(task.segment, task.lost, *rebuilt)
                                    : absl::StatusOr<int>(rebuilt.status());
    if (moved.ok()) {
      Inc(segments_repaired_);
      Inc(shards_rebuilt_, rebuilt->size());
      for (int pos : task.lost) {
        const ShardRecord& s = task.segment.shards[pos];
        if (!count_seed_only || seed.count({s.node.id, s.shard_id})) ++progress.fixed;
      }
    } else if (task.spread_only() && (absl::IsUnavailable(moved.status()) ||
                                      absl::IsFailedPrecondition(moved.status()))) {
      // No free node could take the crowded shard after all (full): it stays readable where
      // it is, and a later pass tries again.
    } else {
      Inc(segments_failed_);
      ++progress.failed;
      log::Warn("segment repair failed",
                {{"content_id", task.segment.content_id},
                 {"segment", static_cast<int64_t>(task.segment.segment_index)},
                 {"error", moved.status().ToString()}});
    }
    if (backlog_ != nullptr) backlog_->Set(static_cast<double>(--left));
    progress.Beat();
  }
  if (deps_.intents != nullptr) (void)deps_.intents->Clear(writer);
  return absl::OkStatus();
}

absl::Status MaintenanceRunner::Scrub(Progress& progress) {
  ASSIGN_OR_RETURN(std::vector<NodeRef> live, deps_.admin->LiveNodes());
  MissingShards corrupt;
  for (const NodeRef& node : live) {
    std::string cursor;
    do {
      if (stop_) return absl::CancelledError("file-ingest is stopping");
      auto batch = deps_.admin->Scrub(node, cursor);
      if (!batch.ok()) {
        log::Warn("scrub of a node failed",
                  {{"node", node.id}, {"error", batch.status().ToString()}});
        ++progress.failed;
        break;
      }
      progress.examined += batch->scanned;
      Inc(scrub_scanned_, batch->scanned);
      Inc(scrub_corrupt_, batch->corrupt_shard_ids.size());
      for (const std::string& id : batch->corrupt_shard_ids) corrupt.insert({node.id, id});
      cursor = batch->next_cursor.value_or("");
      progress.Beat();
    } while (!cursor.empty());
  }
  if (corrupt.empty()) return absl::OkStatus();
  // The nodes deleted the corrupt shards; a repair pass rebuilds them (examined stays the
  // scrub's shard count, fixed counts the corrupt shards replaced).
  return RepairPass(progress, corrupt, true);
}

absl::Status MaintenanceRunner::CollectGarbage(Progress& progress) {
  if (deps_.expire_uploads) {
    // Their shards enter the deletion queue, which deletes them under the same checks.
    absl::StatusOr<int> expired = deps_.expire_uploads();
    if (!expired.ok()) {
      ++progress.failed;
      log::Warn("multipart expiry failed", {{"error", expired.status().ToString()}});
    } else if (*expired > 0) {
      log::Info("idle multipart uploads aborted", {{"count", static_cast<int64_t>(*expired)}});
    }
  }
  ASSIGN_OR_RETURN(std::vector<NodeRef> live, deps_.admin->LiveNodes());
  const absl::Time cutoff = absl::Now() - options_.gc_grace;
  for (const NodeRef& node : live) {
    std::string cursor;
    do {
      if (stop_) return absl::CancelledError("file-ingest is stopping");
      auto page = deps_.admin->ListShards(node, cutoff, cursor);
      if (!page.ok()) {
        ++progress.failed;
        break;
      }
      progress.examined += page->shard_ids.size();
      ASSIGN_OR_RETURN(std::vector<std::string> orphans,
                       deps_.store->FilterUnreferenced(node.id, page->shard_ids));
      for (const std::string& id : orphans) {
        auto removed = deps_.store->RemoveIfOrphan(id, node.id,
                                                   [&] { return deps_.shards->Delete(node, id); });
        if (!removed.ok()) {
          ++progress.failed;
        } else if (*removed) {
          ++progress.fixed;
          Inc(gc_deleted_);
        }
      }
      cursor = page->next_cursor.value_or("");
      progress.Beat();
    } while (!cursor.empty());
  }
  return absl::OkStatus();
}

}  // namespace datamesh::file_ingest
