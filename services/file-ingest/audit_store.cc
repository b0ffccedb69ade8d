#include "services/file-ingest/audit_store.h"

#include "services/file-ingest/manifest.h"
#include "shared/pg/outbox.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// Rows the block sample aims at: enough that a random pick among them is close to uniform,
// few enough that an audit never reads much of a large table.
constexpr double kSampleRows = 2000;

}  // namespace

absl::StatusOr<std::optional<SegmentLayout>> AuditStore::SampleSegment() {
  std::optional<std::pair<std::string, uint64_t>> pick;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    pick.reset();
    // reltuples is -1 (never analysed) or an estimate; small tables are read whole.
    const double rows = w.exec(
                             "SELECT reltuples FROM pg_class WHERE oid = "
                             "'files.segments'::regclass")[0][0]
                            .as<double>();
    const double percent = rows <= kSampleRows ? 100.0 : 100.0 * kSampleRows / rows;
    pqxx::result r = w.exec_params(
        "SELECT g.content_id, g.idx FROM files.segments g TABLESAMPLE SYSTEM ($1::real) "
        "WHERE NOT EXISTS (SELECT 1 FROM files.shards s WHERE s.content_id = g.content_id "
        "AND s.segment_idx = g.idx AND s.state <> 'stored') ORDER BY random() LIMIT 1",
        percent);
    if (!r.empty()) pick.emplace(r[0][0].as<std::string>(), r[0][1].as<uint64_t>());
    return absl::OkStatus();
  }));
  if (!pick) return std::optional<SegmentLayout>();
  return Layout(pick->first, pick->second);
}

absl::StatusOr<std::optional<SegmentLayout>> AuditStore::Layout(const std::string& content_id,
                                                                uint64_t segment_index) {
  std::optional<SegmentLayout> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out.reset();
    pqxx::result r = w.exec_params(
        "SELECT g.shard_size, c.data_shards, c.parity_shards, c.codec_id, s.shard_idx, "
        "s.shard_id, s.node_id, s.node_address, s.state FROM files.contents c "
        "JOIN files.segments g ON g.content_id = c.id "
        "JOIN files.shards s ON s.content_id = g.content_id AND s.segment_idx = g.idx "
        "WHERE c.id = $1 AND g.idx = $2 ORDER BY s.shard_idx",
        content_id, segment_index);
    if (r.empty()) return absl::OkStatus();
    out = SegmentLayout{content_id,
                        segment_index,
                        r[0][0].as<uint64_t>(),
                        r[0][1].as<int>(),
                        r[0][2].as<int>(),
                        r[0][3].as<std::string>(),
                        {}};
    for (const pqxx::row& row : r) {
      out->shards.push_back({row[4].as<int>(),
                             row[5].as<std::string>(),
                             {row[6].as<std::string>(), row[7].as<std::string>()},
                             ShardStateFromName(row[8].as<std::string>())});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<int64_t>> AuditStore::AppendEvents(
    const std::vector<std::string>& events) {
  std::vector<int64_t> ids;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    ids.clear();
    for (const std::string& e : events) ids.push_back(pg::AppendToOutbox(w, kFilesOutbox, e));
    return absl::OkStatus();
  }));
  return ids;
}

absl::Status AuditStore::RemoveEvent(int64_t id) {
  return pg::RemoveFromOutbox(pool_, kFilesOutbox, id);
}

absl::Status AuditStore::AddDisqualified(const std::string& node_id, const std::string& reason) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params0(
        "INSERT INTO files.disqualified_nodes (node_id, reason) VALUES ($1, $2) "
        "ON CONFLICT (node_id) DO NOTHING",
        node_id, reason.substr(0, 1000));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::set<std::string>> AuditStore::Disqualified() {
  std::set<std::string> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out.clear();
    for (const pqxx::row& r : w.exec("SELECT node_id FROM files.disqualified_nodes")) {
      out.insert(r[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace datamesh::file_ingest
