#include "services/file-ingest/reencode_store.h"

#include "absl/strings/str_cat.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// One line per shard row, in (segment, shard) order: what the switch compares.
std::string RowsSignature(const StoredContent& c) {
  std::string out;
  for (const StoredSegment& seg : c.segments) {
    for (const ShardRecord& s : seg.shards) {
      absl::StrAppend(&out, seg.index, ":", s.index, ":", s.shard_id, ":", s.node.id, ":",
                      std::string(ShardStateName(s.state)), "\n");
    }
  }
  return out;
}

// Shard rows as JSON for jsonb_to_recordset; ids are hex, node ids hex, addresses host:port.
std::string ShardsJson(const std::vector<ReencodedSegment>& segments) {
  std::string json = "[";
  bool first = true;
  for (const ReencodedSegment& seg : segments) {
    for (const ShardRecord& s : seg.shards) {
      absl::StrAppend(&json, first ? "" : ",", "{\"g\":", seg.index, ",\"i\":", s.index,
                      ",\"h\":\"", s.shard_id, "\",\"n\":\"", s.node.id, "\",\"a\":\"",
                      s.node.address, "\"}");
      first = false;
    }
  }
  return json + "]";
}

std::string DeletionsJson(const std::vector<ShardRecord>& shards) {
  std::string json = "[";
  bool first = true;
  for (const ShardRecord& s : shards) {
    if (s.node.id.empty()) continue;  // a missing shard is on no node
    absl::StrAppend(&json, first ? "" : ",", "{\"h\":\"", s.shard_id, "\",\"n\":\"", s.node.id,
                    "\",\"a\":\"", s.node.address, "\"}");
    first = false;
  }
  return json + "]";
}

void QueueDeletions(pqxx::work& w, const std::string& json, absl::Duration delay) {
  w.exec_params(
      "INSERT INTO files.shard_deletions (shard_id, node_id, node_address, not_before) "
      "SELECT x.h, x.n, x.a, now() + make_interval(secs => $2) FROM "
      "jsonb_to_recordset($1::jsonb) AS x(h text, n text, a text)",
      json, absl::ToDoubleSeconds(delay));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ReencodeStore::ListStale(int k, int m,
                                                                  const std::string& after,
                                                                  int limit) {
  std::vector<std::string> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out.clear();
    pqxx::result r = w.exec_params(
        "SELECT id FROM files.contents WHERE id > $1 AND inline_data IS NULL AND "
        "(data_shards, parity_shards) <> ($2, $3) ORDER BY id LIMIT $4",
        after, k, m, limit);
    for (const pqxx::row& row : r) out.push_back(row[0].as<std::string>());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::pair<uint64_t, uint64_t>> ReencodeStore::CountStale(int k, int m) {
  std::pair<uint64_t, uint64_t> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::row r = w.exec_params1(
        // 16: the GCM tag sealed beside each segment's payload (SealedSize).
        "SELECT count(DISTINCT c.id), COALESCE(sum(g.stored_size + 16), 0) FROM "
        "files.contents c JOIN files.segments g ON g.content_id = c.id WHERE "
        "c.inline_data IS NULL AND (c.data_shards, c.parity_shards) <> ($1, $2)",
        k, m);
    out = {r[0].as<uint64_t>(), r[1].as<uint64_t>()};
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<ShapeTotals>> ReencodeStore::UsageByShape() {
  std::vector<ShapeTotals> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out.clear();
    pqxx::result r = w.exec(
        // 16: the GCM tag, as in CountStale.
        "SELECT c.data_shards, c.parity_shards, count(DISTINCT c.id), "
        "COALESCE(sum(g.stored_size + 16), 0) FROM files.contents c JOIN files.segments g ON "
        "g.content_id = c.id WHERE c.inline_data IS NULL GROUP BY 1, 2 ORDER BY 1, 2");
    for (const pqxx::row& row : r) {
      out.push_back(
          {row[0].as<int>(), row[1].as<int>(), row[2].as<uint64_t>(), row[3].as<uint64_t>()});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<StoredContent> ReencodeStore::Load(const std::string& content_id) {
  absl::StatusOr<StoredContent> out = absl::NotFoundError("content is gone");
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out = absl::NotFoundError("content is gone");
    pqxx::result c = w.exec_params(
        "SELECT codec_id, data_shards, parity_shards FROM files.contents WHERE id = $1 AND "
        "inline_data IS NULL",
        content_id);
    if (c.empty()) return absl::OkStatus();
    StoredContent content{
        content_id, c[0][0].as<std::string>(), c[0][1].as<int>(), c[0][2].as<int>(), {}};
    pqxx::result r = w.exec_params(
        "SELECT g.idx, g.stored_size, g.shard_size, s.shard_idx, s.shard_id, s.node_id, "
        "s.node_address, s.state FROM files.segments g JOIN files.shards s ON "
        "s.content_id = g.content_id AND s.segment_idx = g.idx WHERE g.content_id = $1 "
        "ORDER BY g.idx, s.shard_idx",
        content_id);
    for (const pqxx::row& row : r) {
      const uint64_t idx = row[0].as<uint64_t>();
      if (content.segments.empty() || content.segments.back().index != idx) {
        content.segments.push_back({idx, row[1].as<uint64_t>(), row[2].as<uint64_t>(), {}});
      }
      content.segments.back().shards.push_back(
          {row[3].as<int>(),
           row[4].as<std::string>(),
           {row[5].as<std::string>(), row[6].as<std::string>()},
           ShardStateFromName(row[7].as<std::string>())});
    }
    out = std::move(content);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<bool> ReencodeStore::Switch(const StoredContent& old, const std::string& codec_id,
                                           int k, int m,
                                           const std::vector<ReencodedSegment>& segments,
                                           absl::Duration free_delay) {
  bool switched = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    switched = false;
    pqxx::result c = w.exec_params(
        "SELECT codec_id, data_shards, parity_shards FROM files.contents WHERE id = $1 "
        "FOR UPDATE",
        old.content_id);
    if (c.empty() || c[0][0].as<std::string>() != old.codec_id ||
        c[0][1].as<int>() != old.data_shards || c[0][2].as<int>() != old.parity_shards) {
      return absl::OkStatus();
    }
    // The content row's lock keeps uploads' dedup links and deletes of this content out;
    // repair and late writes change shard rows without it, so the rows are compared too.
    pqxx::result rows = w.exec_params(
        "SELECT segment_idx, shard_idx, shard_id, node_id, state FROM files.shards WHERE "
        "content_id = $1 ORDER BY segment_idx, shard_idx FOR UPDATE",
        old.content_id);
    std::string now;
    for (const pqxx::row& r : rows) {
      absl::StrAppend(&now, r[0].as<uint64_t>(), ":", r[1].as<int>(), ":", r[2].as<std::string>(),
                      ":", r[3].as<std::string>(), ":", r[4].as<std::string>(), "\n");
    }
    if (now != RowsSignature(old)) return absl::OkStatus();
    w.exec_params("DELETE FROM files.shards WHERE content_id = $1", old.content_id);
    w.exec_params(
        "INSERT INTO files.shards (content_id, segment_idx, shard_idx, shard_id, node_id, "
        "node_address, state) SELECT $1, x.g, x.i, x.h, x.n, x.a, 'stored' FROM "
        "jsonb_to_recordset($2::jsonb) AS x(g bigint, i integer, h text, n text, a text)",
        old.content_id, ShardsJson(segments));
    for (const ReencodedSegment& seg : segments) {
      w.exec_params("UPDATE files.segments SET shard_size = $3 WHERE content_id = $1 AND idx = $2",
                    old.content_id, seg.index, seg.shard_size);
    }
    w.exec_params(
        "UPDATE files.contents SET codec_id = $2, data_shards = $3, parity_shards = $4 "
        "WHERE id = $1",
        old.content_id, codec_id, k, m);
    std::vector<ShardRecord> old_shards;
    for (const StoredSegment& seg : old.segments) {
      old_shards.insert(old_shards.end(), seg.shards.begin(), seg.shards.end());
    }
    QueueDeletions(w, DeletionsJson(old_shards), free_delay);
    switched = true;
    return absl::OkStatus();
  }));
  return switched;
}

absl::Status ReencodeStore::Free(const std::vector<ShardRecord>& shards) {
  if (shards.empty()) return absl::OkStatus();
  return pool_.Transact([&](pqxx::work& w) {
    QueueDeletions(w, DeletionsJson(shards), absl::ZeroDuration());
    return absl::OkStatus();
  });
}

absl::Status ReencodeStore::SaveProgress(const std::string& job_id, const ReencodeProgress& p,
                                         uint64_t examined, uint64_t fixed,
                                         const std::string& message) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params(
        "UPDATE files.maintenance_jobs SET target = $2, cursor = $3, bytes = $4, examined = $5, "
        "fixed = $6, message = $7, updated_at = now() WHERE id = $1",
        job_id, p.target, p.cursor, p.bytes, examined, fixed, message);
    return absl::OkStatus();
  });
}

absl::Status ReencodeStore::AbandonEarlierRun(const std::string& instance_id) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params(
        "UPDATE files.maintenance_jobs SET state = 'failed', finished_at = now(), "
        "message = 'abandoned: its file-ingest instance restarted' WHERE instance_id = $1 AND "
        "state IN ('queued', 'running')",
        instance_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<ReencodeProgress> ReencodeStore::ResumePoint(const std::string& job_id,
                                                            const std::string& target) {
  ReencodeProgress out;
  out.target = target;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::result r = w.exec_params(
        "SELECT target, cursor, bytes, state FROM files.maintenance_jobs WHERE "
        "action = 'reencode' AND id <> $1 AND target <> '' ORDER BY created_at DESC LIMIT 1",
        job_id);
    if (!r.empty() && r[0][0].as<std::string>() == target &&
        r[0][3].as<std::string>() != "succeeded") {
      out.cursor = r[0][1].as<std::string>();
      out.bytes = r[0][2].as<uint64_t>();
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace datamesh::file_ingest
