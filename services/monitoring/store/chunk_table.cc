#include "services/monitoring/store/chunk_table.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "services/monitoring/store/sql_arrays.h"
#include "shared/crypto/hash.h"
#include "shared/status/status.h"

namespace datamesh::monitoring::store {
namespace {

// The labels other than __name__ as a JSON object (the jsonb column).
std::string LabelsJson(const promql::Labels& labels) {
  nlohmann::json object = nlohmann::json::object();
  for (const promql::Label& l : labels) {
    if (l.name != promql::kMetricNameLabel) object[l.name] = l.value;
  }
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<promql::Labels> LabelsFromRow(const std::string& name, const char* json) {
  std::vector<promql::Label> labels{{std::string(promql::kMetricNameLabel), name}};
  const nlohmann::json object = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object())
    return absl::DataLossError("monitoring.series holds labels that are not an object");
  for (const auto& [k, v] : object.items()) {
    if (!v.is_string())
      return absl::DataLossError("monitoring.series holds a label that is not a string");
    labels.push_back({k, v.get<std::string>()});
  }
  return promql::MakeLabels(std::move(labels));
}

std::string FilterJson(const std::vector<promql::Label>& equal) {
  nlohmann::json object = nlohmann::json::object();
  for (const promql::Label& l : equal) object[l.name] = l.value;
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string SeriesHash(const promql::Labels& labels) {
  std::string text;
  for (const promql::Label& l : labels) {
    text += l.name;
    text.push_back('\0');
    text += l.value;
    text.push_back('\0');
  }
  absl::StatusOr<crypto::Sha256Digest> digest = crypto::Sha256(text);
  // SHA-256 over memory fails only when OpenSSL itself is broken.
  if (!digest.ok()) abort();
  return std::string(crypto::AsStringView(*digest));
}

absl::Status ChunkTable::ResolveSeries(std::vector<ChunkWrite>& writes) {
  std::map<std::string, const promql::Labels*> missing;  // by hex hash: one row each
  for (const ChunkWrite& w : writes) {
    if (w.series_id == 0) missing.emplace(Hex(SeriesHash(w.labels)), &w.labels);
  }
  if (missing.empty()) return absl::OkStatus();
  std::vector<std::string> names, labels, hashes;
  for (const auto& [hash, l] : missing) {
    names.emplace_back(promql::GetLabel(*l, promql::kMetricNameLabel));
    labels.push_back(LabelsJson(*l));
    hashes.push_back(hash);
  }
  std::map<std::string, int64_t> ids;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    ids.clear();
    // DO UPDATE (a no-op change) rather than DO NOTHING, so RETURNING also names rows that
    // another replica created first. Resolution happens once per series and process.
    const pqxx::result rows = tx.exec_params(
        "INSERT INTO monitoring.series (metric_name, labels, labels_hash) "
        "SELECT n, l::jsonb, decode(h, 'hex') FROM unnest($1::text[], $2::text[], $3::text[]) "
        "  AS u(n, l, h) "
        "ON CONFLICT (labels_hash) DO UPDATE SET labels_hash = EXCLUDED.labels_hash "
        "RETURNING id, encode(labels_hash, 'hex')",
        TextArray(names), TextArray(labels), TextArray(hashes));
    for (const pqxx::row& row : rows) ids[row[1].as<std::string>()] = row[0].as<int64_t>();
    return absl::OkStatus();
  }));
  for (ChunkWrite& w : writes) {
    if (w.series_id != 0) continue;
    auto it = ids.find(Hex(SeriesHash(w.labels)));
    if (it != ids.end()) w.series_id = it->second;
  }
  return absl::OkStatus();
}

absl::Status ChunkTable::WriteChunks(std::vector<ChunkWrite>& writes) {
  std::vector<int64_t> ins_series, ins_min, ins_max, ins_count, up_row, up_max, up_count;
  std::vector<std::string> ins_data, up_data;
  for (const ChunkWrite& w : writes) {
    if (w.series_id == 0) continue;
    if (w.row_id == 0) {
      ins_series.push_back(w.series_id);
      ins_min.push_back(w.min_time);
      ins_max.push_back(w.max_time);
      ins_count.push_back(w.samples);
      ins_data.push_back(Hex(w.data));
    } else {
      up_row.push_back(w.row_id);
      up_max.push_back(w.max_time);
      up_count.push_back(w.samples);
      up_data.push_back(Hex(w.data));
    }
  }
  std::map<std::pair<int64_t, int64_t>, int64_t> inserted;  // (series, min_time) -> row
  std::set<int64_t> updated;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    inserted.clear();
    updated.clear();
    if (!ins_series.empty()) {
      // Only for series rows that still exist: retention may have removed an empty series.
      const pqxx::result rows = tx.exec_params(
          "INSERT INTO monitoring.chunks (series_id, min_time, max_time, samples, data) "
          "SELECT u.s, u.mn, u.mx, u.n, decode(u.d, 'hex') "
          "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::text[]) "
          "  AS u(s, mn, mx, n, d) "
          "WHERE EXISTS (SELECT 1 FROM monitoring.series s WHERE s.id = u.s) "
          "RETURNING id, series_id, min_time",
          BigintArray(ins_series), BigintArray(ins_min), BigintArray(ins_max),
          BigintArray(ins_count), TextArray(ins_data));
      for (const pqxx::row& row : rows) {
        inserted[{row[1].as<int64_t>(), row[2].as<int64_t>()}] = row[0].as<int64_t>();
      }
    }
    if (!up_row.empty()) {
      const pqxx::result rows = tx.exec_params(
          "UPDATE monitoring.chunks c SET max_time = u.mx, samples = u.n, data = decode(u.d, "
          "'hex') "
          "FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[]) AS u(id, mx, n, d) "
          "WHERE c.id = u.id RETURNING c.id",
          BigintArray(up_row), BigintArray(up_max), BigintArray(up_count), TextArray(up_data));
      for (const pqxx::row& row : rows) updated.insert(row[0].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  for (ChunkWrite& w : writes) {
    if (w.series_id == 0) continue;
    if (w.row_id == 0) {
      auto it = inserted.find({w.series_id, w.min_time});
      if (it == inserted.end()) {
        w.series_id = 0;  // the series row is gone: resolve it again
        continue;
      }
      w.row_id = it->second;
      w.written = true;
    } else if (updated.count(w.row_id) > 0) {
      w.written = true;
    } else {
      w.row_id = 0;  // the row is gone: insert the chunk again next time
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredSeries>> ChunkTable::FindSeries(const SeriesFilter& filter) const {
  std::vector<StoredSeries> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    const std::string labels = FilterJson(filter.equal_labels);
    const pqxx::result rows =
        filter.metric_name ? tx.exec_params(
                                 "SELECT id, metric_name, labels::text FROM monitoring.series "
                                 "WHERE metric_name = $1 AND labels @> $2::jsonb",
                                 *filter.metric_name, labels)
                           : tx.exec_params(
                                 "SELECT id, metric_name, labels::text FROM monitoring.series "
                                 "WHERE labels @> $1::jsonb",
                                 labels);
    for (const pqxx::row& row : rows) {
      ASSIGN_OR_RETURN(promql::Labels l, LabelsFromRow(row[1].as<std::string>(), row[2].c_str()));
      out.push_back(StoredSeries{row[0].as<int64_t>(), std::move(l)});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<StoredChunk>> ChunkTable::ReadChunks(
    const std::vector<int64_t>& series_ids, int64_t from_ms, int64_t to_ms) const {
  std::vector<StoredChunk> out;
  if (series_ids.empty()) return out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    const pqxx::result rows = tx.exec_params(
        "SELECT id, series_id, data FROM monitoring.chunks "
        "WHERE series_id = ANY($1::bigint[]) AND max_time >= $2 AND min_time <= $3 "
        "ORDER BY series_id, min_time",
        BigintArray(series_ids), from_ms, to_ms);
    out.reserve(rows.size());
    for (const pqxx::row& row : rows) {
      out.push_back(StoredChunk{row[0].as<int64_t>(), row[1].as<int64_t>(),
                                pqxx::binarystring(row[2]).str()});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<int64_t>> ChunkTable::SeriesWithChunksIn(
    const std::vector<int64_t>& series_ids, int64_t from_ms, int64_t to_ms) const {
  std::vector<int64_t> out;
  if (series_ids.empty()) return out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    const pqxx::result rows = tx.exec_params(
        "SELECT DISTINCT series_id FROM monitoring.chunks "
        "WHERE series_id = ANY($1::bigint[]) AND max_time >= $2 AND min_time <= $3",
        BigintArray(series_ids), from_ms, to_ms);
    for (const pqxx::row& row : rows) out.push_back(row[0].as<int64_t>());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<RetentionResult> ChunkTable::DeleteBefore(int64_t cutoff_ms,
                                                         absl::Duration series_grace) {
  RetentionResult result;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    result.chunks_deleted =
        tx.exec_params0("DELETE FROM monitoring.chunks WHERE max_time < $1", cutoff_ms)
            .affected_rows();
    result.series_deleted =
        tx.exec_params0(
              "DELETE FROM monitoring.series s "
              "WHERE s.created_at < now() - make_interval(secs => $1::double precision) "
              "  AND NOT EXISTS (SELECT 1 FROM monitoring.chunks c WHERE c.series_id = s.id) "
              "  AND NOT EXISTS (SELECT 1 FROM monitoring.rollups r WHERE r.series_id = s.id)",
              absl::ToDoubleSeconds(series_grace))
            .affected_rows();
    return absl::OkStatus();
  }));
  return result;
}

}  // namespace datamesh::monitoring::store
