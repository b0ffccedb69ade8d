#include "services/file-ingest/maintenance_store.h"

#include "absl/strings/str_cat.h"
#include "services/file-ingest/manifest_rows.h"
#include "services/file-ingest/shard_intents.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// The worker lock's key in the two-int advisory key space: (class, id).
constexpr int kLockClass = 0x646d;  // "dm"

std::optional<absl::Time> TimeOrNull(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return absl::FromUnixMicros(f.as<int64_t>());
}

std::string ShardMovesJson(const SegmentLayout& seg, const std::vector<int>& positions,
                           const std::vector<ShardRecord>& rebuilt) {
  std::string json = "[";
  for (size_t i = 0; i < positions.size(); ++i) {
    const ShardRecord& old = seg.shards[positions[i]];
    const ShardRecord& now = rebuilt[i];
    // Ids and addresses are hex / host:port; node ids come from dht (hex).
    absl::StrAppend(&json, i ? "," : "", "{\"i\":", old.index, ",\"o\":\"", old.node.id,
                    "\",\"h\":\"", now.shard_id, "\",\"n\":\"", now.node.id, "\",\"a\":\"",
                    now.node.address, "\"}");
  }
  return json + "]";
}

}  // namespace

absl::StatusOr<std::unique_ptr<WorkerLock>> WorkerLock::TryAcquire(const std::string& pg_url,
                                                                   int which) {
  try {
    auto conn = std::make_unique<pqxx::connection>(pg_url);
    pqxx::nontransaction n(*conn);
    bool got =
        n.exec_params1("SELECT pg_try_advisory_lock($1, $2)", kLockClass, which)[0].as<bool>();
    if (!got) return std::unique_ptr<WorkerLock>();
    return std::unique_ptr<WorkerLock>(new WorkerLock(std::move(conn), which));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("worker lock: ", e.what()));
  }
}

WorkerLock::~WorkerLock() {
  try {
    pqxx::nontransaction n(*conn_);
    n.exec_params("SELECT pg_advisory_unlock($1, $2)", kLockClass, which_);
  } catch (const std::exception&) {
    // Closing the connection below releases the lock anyway.
  }
}

absl::StatusOr<StartedJob> MaintenanceStore::StartJob(const std::string& job_id,
                                                      const std::string& action,
                                                      const std::string& actor_id,
                                                      const std::string& instance_id,
                                                      absl::Duration stale_after) {
  StartedJob out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    w.exec_params(
        "UPDATE files.maintenance_jobs SET state = 'failed', finished_at = now(), "
        "message = 'abandoned: its file-ingest instance stopped' WHERE action = $1 AND "
        "state IN ('queued', 'running') AND updated_at < now() - make_interval(secs => $2)",
        action, absl::ToDoubleSeconds(stale_after));
    pqxx::result r = w.exec_params(
        "INSERT INTO files.maintenance_jobs (id, action, state, actor_id, instance_id) "
        "VALUES ($1, $2, 'queued', $3, $4) ON CONFLICT (action) WHERE state IN ('queued', "
        "'running') DO NOTHING RETURNING id",
        job_id, action, actor_id, instance_id);
    out.created = !r.empty();
    out.id = job_id;
    if (!out.created) {
      pqxx::result a = w.exec_params(
          "SELECT id FROM files.maintenance_jobs WHERE action = $1 AND state IN ('queued', "
          "'running')",
          action);
      if (a.empty()) return absl::AbortedError("job state changed; retry");
      out.id = a[0][0].as<std::string>();
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status MaintenanceStore::MarkRunning(const std::string& job_id) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params(
        "UPDATE files.maintenance_jobs SET state = 'running', started_at = now(), "
        "updated_at = now() WHERE id = $1",
        job_id);
    return absl::OkStatus();
  });
}

absl::Status MaintenanceStore::UpdateProgress(const std::string& job_id, uint64_t examined,
                                              uint64_t fixed) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params(
        "UPDATE files.maintenance_jobs SET examined = $2, fixed = $3, updated_at = now() "
        "WHERE id = $1",
        job_id, examined, fixed);
    return absl::OkStatus();
  });
}

absl::Status MaintenanceStore::FinishJob(const std::string& job_id, bool succeeded,
                                         const std::string& message, uint64_t examined,
                                         uint64_t fixed) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params(
        "UPDATE files.maintenance_jobs SET state = $2, message = $3, examined = $4, fixed = $5, "
        "started_at = COALESCE(started_at, now()), finished_at = now(), updated_at = now() "
        "WHERE id = $1",
        job_id, succeeded ? "succeeded" : "failed", message, examined, fixed);
    return absl::OkStatus();
  });
}

absl::StatusOr<JobRecord> MaintenanceStore::GetJob(const std::string& job_id) {
  absl::StatusOr<JobRecord> out = absl::NotFoundError("no such maintenance job");
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(
        "SELECT id, action, state, (extract(epoch FROM started_at) * 1000000)::bigint, "
        "(extract(epoch FROM finished_at) * 1000000)::bigint, examined, fixed, message "
        "FROM files.maintenance_jobs WHERE id = $1",
        job_id);
    if (r.empty()) return absl::OkStatus();
    JobRecord j;
    j.id = r[0][0].as<std::string>();
    j.action = r[0][1].as<std::string>();
    j.state = r[0][2].as<std::string>();
    j.started_at = TimeOrNull(r[0][3]);
    j.finished_at = TimeOrNull(r[0][4]);
    j.examined = r[0][5].as<uint64_t>();
    j.fixed = r[0][6].as<uint64_t>();
    j.message = r[0][7].as<std::string>();
    out = std::move(j);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<SegmentLayout>> MaintenanceStore::ListLayouts(const std::string& after,
                                                                         int limit) {
  std::vector<SegmentLayout> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out.clear();
    pqxx::result r = w.exec_params(
        "WITH c AS (SELECT id, data_shards, parity_shards, codec_id FROM files.contents "
        "WHERE id > $1 AND inline_data IS NULL ORDER BY id LIMIT $2) "
        "SELECT c.id, g.idx, g.shard_size, c.data_shards, c.parity_shards, c.codec_id, "
        "s.shard_idx, s.shard_id, s.node_id, s.node_address, s.state FROM c "
        "JOIN files.segments g ON g.content_id = c.id "
        "JOIN files.shards s ON s.content_id = g.content_id AND s.segment_idx = g.idx "
        "ORDER BY c.id, g.idx, s.shard_idx",
        after, limit);
    for (const pqxx::row& row : r) {
      const std::string content = row[0].as<std::string>();
      const uint64_t idx = row[1].as<uint64_t>();
      if (out.empty() || out.back().content_id != content || out.back().segment_index != idx) {
        out.push_back({content,
                       idx,
                       row[2].as<uint64_t>(),
                       row[3].as<int>(),
                       row[4].as<int>(),
                       row[5].as<std::string>(),
                       {}});
      }
      out.back().shards.push_back({row[6].as<int>(),
                                   row[7].as<std::string>(),
                                   {row[8].as<std::string>(), row[9].as<std::string>()},
                                   ShardStateFromName(row[10].as<std::string>())});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status MaintenanceStore::ConfirmWritten(const std::vector<SettledShard>& present) {
  return pool_.Transact([&](pqxx::work& w) {
    internal::SettleWritingShards(w, present);
    return absl::OkStatus();
  });
}

absl::StatusOr<int> MaintenanceStore::MoveShards(const SegmentLayout& seg,
                                                 const std::vector<int>& positions,
                                                 const std::vector<ShardRecord>& rebuilt) {
  const std::string json = ShardMovesJson(seg, positions, rebuilt);
  int moved = 0;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(
        "UPDATE files.shards s SET node_id = x.n, node_address = x.a, state = 'stored' FROM "
        "jsonb_to_recordset($3::jsonb) AS x(i integer, o text, h text, n text, a text) "
        "WHERE s.content_id = $1 AND s.segment_idx = $2 AND s.shard_idx = x.i AND "
        "s.node_id = x.o AND s.shard_id = x.h RETURNING s.shard_idx",
        seg.content_id, seg.segment_index, json);
    moved = static_cast<int>(r.size());
    // Rebuilt shards nobody points at now (the file went meanwhile) are freed like others.
    w.exec_params(
        "INSERT INTO files.shard_deletions (shard_id, node_id, node_address) "
        "SELECT x.h, x.n, x.a FROM jsonb_to_recordset($3::jsonb) AS x(i integer, o text, "
        "h text, n text, a text) WHERE NOT EXISTS (SELECT 1 FROM files.shards s WHERE "
        "s.content_id = $1 AND s.segment_idx = $2 AND s.shard_idx = x.i AND s.node_id = x.n)",
        seg.content_id, seg.segment_index, json);
    return absl::OkStatus();
  }));
  return moved;
}

absl::StatusOr<std::vector<std::string>> MaintenanceStore::FilterUnreferenced(
    const std::string& node_id, const std::vector<std::string>& shard_ids) {
  std::vector<std::string> out;
  if (shard_ids.empty()) return out;
  std::string json = "[";
  for (size_t i = 0; i < shard_ids.size(); ++i) {
    absl::StrAppend(&json, i ? "," : "", "\"", shard_ids[i], "\"");  // hex ids from the node
  }
  json += "]";
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out.clear();
    pqxx::result r = w.exec_params(
        "SELECT x FROM jsonb_array_elements_text($2::jsonb) AS x WHERE NOT EXISTS (SELECT 1 "
        "FROM files.shards s WHERE s.shard_id = x AND s.node_id = $1) AND NOT EXISTS (SELECT 1 "
        "FROM files.shard_intents i WHERE i.shard_id = x AND i.node_id = $1 AND "
        "i.refreshed_at > now() - make_interval(secs => $3))",
        node_id, json, absl::ToDoubleSeconds(intent_ttl_));
    for (const pqxx::row& row : r) out.push_back(row[0].as<std::string>());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<bool> MaintenanceStore::RemoveIfOrphan(const std::string& shard_id,
                                                      const std::string& node_id,
                                                      const std::function<absl::Status()>& remove) {
  bool removed = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    removed = false;
    internal::ShardUse use = internal::LockShardForDeletion(w, shard_id, node_id, intent_ttl_);
    if (use.referenced || use.intended) return absl::OkStatus();
    RETURN_IF_ERROR(remove());
    w.exec_params("DELETE FROM files.shard_deletions WHERE shard_id = $1 AND node_id = $2",
                  shard_id, node_id);
    removed = true;
    return absl::OkStatus();
  }));
  return removed;
}

}  // namespace datamesh::file_ingest
