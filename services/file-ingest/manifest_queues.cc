// ManifestStore: the shard-deletion queue, the outbox, usage totals and the stored-file listing.
#include "services/file-ingest/manifest_rows.h"
#include "services/file-ingest/manifest_store.h"
#include "services/file-ingest/shard_intents.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {

absl::Status ManifestStore::EnqueueShardDeletions(const std::vector<ShardRecord>& shards) {
  if (shards.empty()) return absl::OkStatus();
  std::string json = internal::ShardListJson(shards);
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params(
        "INSERT INTO files.shard_deletions (shard_id, node_id, node_address) "
        "SELECT x.h, x.n, x.a FROM jsonb_to_recordset($1::jsonb) AS x(h text, n text, a text) "
        "WHERE x.n <> ''",  // a missing shard has no node to delete it from
        json);
    return absl::OkStatus();
  });
}

absl::StatusOr<int> ManifestStore::DrainShardDeletions(
    int limit, const std::function<absl::Status(const ShardDeletion&)>& fn) {
  int done = 0;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    done = 0;
    pqxx::result r = w.exec_params(
        "SELECT id, shard_id, node_id, node_address FROM files.shard_deletions "
        "WHERE not_before <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit);
    for (const pqxx::row& row : r) {
      ShardDeletion d{row[0].as<int64_t>(),
                      row[1].as<std::string>(),
                      {row[2].as<std::string>(), row[3].as<std::string>()}};
      // Re-checked under the shard's lock: a manifest (shared or deduplicated content) or an
      // uncommitted writer may rely on the same shard on the same node again.
      internal::ShardUse use =
          internal::LockShardForDeletion(w, d.shard_id, d.node.id, intent_ttl_);
      if (use.intended && !use.referenced) continue;  // a writer owns it for now; retry later
      if (use.referenced || fn(d).ok()) {
        w.exec_params("DELETE FROM files.shard_deletions WHERE id = $1", d.id);
        ++done;
      } else {
        w.exec_params("UPDATE files.shard_deletions SET attempts = attempts + 1 WHERE id = $1",
                      d.id);
      }
    }
    return absl::OkStatus();
  }));
  return done;
}

absl::StatusOr<int> ManifestStore::DrainOutbox(
    int limit, const std::function<absl::Status(const std::string&)>& publish) {
  return pg::DrainOutbox(pool_, internal::kOutboxTable, limit, publish);
}

absl::Status ManifestStore::RemoveOutbox(int64_t id) {
  return pg::RemoveFromOutbox(pool_, internal::kOutboxTable, id);
}

absl::StatusOr<UsageTotals> ManifestStore::Usage(const std::string& owner_id) {
  UsageTotals t;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pqxx::row a = w.exec_params1(
        "SELECT count(*), COALESCE(sum(c.size), 0), count(DISTINCT f.owner_id) "
        "FROM files.files f JOIN files.contents c ON c.id = f.content_id "
        "WHERE $1 = '' OR f.owner_id = $1",
        owner_id);
    pqxx::row b = w.exec_params1(
        "SELECT COALESCE(sum(s.shard_size * (c.data_shards + c.parity_shards)), 0) "
        "FROM files.segments s JOIN files.contents c ON c.id = s.content_id "
        "WHERE $1 = '' OR c.owner_id = $1",
        owner_id);
    t.file_count = a[0].as<uint64_t>();
    t.logical_bytes = a[1].as<uint64_t>();
    t.owner_count = a[2].as<uint64_t>();
    t.stored_bytes = b[0].as<uint64_t>();
    return absl::OkStatus();
  }));
  return t;
}

absl::StatusOr<std::vector<StoredFileRow>> ManifestStore::ListStoredFiles(const std::string& after,
                                                                          int limit) {
  std::vector<StoredFileRow> rows;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    rows.clear();
    // The stored parts of multipart uploads are counted by quota under their own ids until
    // Complete (multipart_store.h), so they are listed as files are.
    pqxx::result r = w.exec_params(
        "SELECT id, owner_id, size, micros FROM ("
        "SELECT f.id, f.owner_id, c.size, (extract(epoch FROM f.created_at) * 1000000)::bigint "
        "AS micros FROM files.files f JOIN files.contents c ON c.id = f.content_id "
        "WHERE f.id > $1 "
        "UNION ALL SELECT p.id, u.owner_id, p.size, "
        "(extract(epoch FROM p.created_at) * 1000000)::bigint FROM files.multipart_parts p "
        "JOIN files.multipart_uploads u ON u.id = p.upload_id WHERE p.id > $1"
        ") stored ORDER BY id LIMIT $2",
        after, limit);
    for (const pqxx::row& row : r) {
      rows.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<uint64_t>(),
                      absl::FromUnixMicros(row[3].as<int64_t>())});
    }
    return absl::OkStatus();
  }));
  return rows;
}

}  // namespace datamesh::file_ingest
