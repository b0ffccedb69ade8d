#include "services/monitoring/store/rollup_table.h"

#include "services/monitoring/store/sql_arrays.h"
#include "shared/status/status.h"

namespace datamesh::monitoring::store {
namespace {

RollupRow RowFrom(const pqxx::row& row) {
  return RollupRow{row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<int64_t>(),
                   row[3].as<int64_t>(), row[4].as<int32_t>(), pqxx::binarystring(row[5]).str()};
}

}  // namespace

std::optional<int64_t> RollupTable::LockProgress(pqxx::work& tx) {
  const pqxx::result rows =
      tx.exec("SELECT done_until FROM monitoring.rollup_progress FOR UPDATE SKIP LOCKED");
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<int64_t>();
}

void RollupTable::SetProgress(pqxx::work& tx, int64_t done_until_ms) {
  tx.exec_params0("UPDATE monitoring.rollup_progress SET done_until = $1", done_until_ms);
}

std::optional<int64_t> RollupTable::EarliestChunk(pqxx::work& tx) {
  const pqxx::row row = tx.exec1("SELECT min(min_time) FROM monitoring.chunks");
  if (row[0].is_null()) return std::nullopt;
  return row[0].as<int64_t>();
}

std::vector<std::pair<int64_t, std::string>> RollupTable::ChunksIn(pqxx::work& tx, int64_t from_ms,
                                                                   int64_t to_ms) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const pqxx::row& row :
       tx.exec_params("SELECT series_id, data FROM monitoring.chunks "
                      "WHERE max_time >= $1 AND min_time < $2 ORDER BY series_id, min_time",
                      from_ms, to_ms)) {
    out.emplace_back(row[0].as<int64_t>(), pqxx::binarystring(row[1]).str());
  }
  return out;
}

std::vector<RollupRow> RollupTable::ReadRows(pqxx::work& tx, const std::vector<RollupRow>& keys) {
  std::vector<int64_t> series, resolutions, mins;
  for (const RollupRow& k : keys) {
    series.push_back(k.series_id);
    resolutions.push_back(k.resolution_ms);
    mins.push_back(k.min_time);
  }
  std::vector<RollupRow> out;
  if (keys.empty()) return out;
  for (const pqxx::row& row : tx.exec_params(
           "SELECT r.series_id, r.resolution_ms, r.min_time, r.max_time, r.points, r.data "
           "FROM monitoring.rollups r JOIN unnest($1::bigint[], $2::bigint[], $3::bigint[]) "
           "  AS k(s, res, mn) ON r.series_id = k.s AND r.resolution_ms = k.res "
           "  AND r.min_time = k.mn",
           BigintArray(series), BigintArray(resolutions), BigintArray(mins))) {
    out.push_back(RowFrom(row));
  }
  return out;
}

void RollupTable::WriteRows(pqxx::work& tx, const std::vector<RollupRow>& rows) {
  if (rows.empty()) return;
  std::vector<int64_t> series, resolutions, mins, maxes, points;
  std::vector<std::string> data;
  for (const RollupRow& r : rows) {
    series.push_back(r.series_id);
    resolutions.push_back(r.resolution_ms);
    mins.push_back(r.min_time);
    maxes.push_back(r.max_time);
    points.push_back(r.points);
    data.push_back(Hex(r.data));
  }
  // Only for series rows that still exist: retention may remove a series between the read of
  // its chunks and this write.
  tx.exec_params0(
      "INSERT INTO monitoring.rollups (series_id, resolution_ms, min_time, max_time, points, data) "
      "SELECT u.s, u.res, u.mn, u.mx, u.n, decode(u.d, 'hex') "
      "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::int[], "
      "  $6::text[]) AS u(s, res, mn, mx, n, d) "
      "WHERE EXISTS (SELECT 1 FROM monitoring.series s WHERE s.id = u.s) "
      "ON CONFLICT (series_id, resolution_ms, min_time) DO UPDATE SET "
      "  max_time = EXCLUDED.max_time, points = EXCLUDED.points, data = EXCLUDED.data",
      BigintArray(series), BigintArray(resolutions), BigintArray(mins), BigintArray(maxes),
      BigintArray(points), TextArray(data));
}

absl::StatusOr<int64_t> RollupTable::DoneUntil() const {
  int64_t done = 0;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    done = tx.exec1("SELECT done_until FROM monitoring.rollup_progress")[0].as<int64_t>();
    return absl::OkStatus();
  }));
  return done;
}

absl::StatusOr<std::vector<RollupRow>> RollupTable::Read(const std::vector<int64_t>& series_ids,
                                                         int64_t resolution_ms, int64_t from_ms,
                                                         int64_t to_ms) const {
  std::vector<RollupRow> out;
  if (series_ids.empty()) return out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    out.clear();
    for (const pqxx::row& row :
         tx.exec_params("SELECT series_id, resolution_ms, min_time, max_time, points, data "
                        "FROM monitoring.rollups WHERE series_id = ANY($1::bigint[]) "
                        "AND resolution_ms = $2 AND max_time >= $3 AND min_time <= $4 "
                        "ORDER BY series_id, min_time",
                        BigintArray(series_ids), resolution_ms, from_ms, to_ms)) {
      out.push_back(RowFrom(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int64_t> RollupTable::DeleteBefore(int64_t resolution_ms, int64_t cutoff_ms) {
  int64_t deleted = 0;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    deleted =
        tx.exec_params0("DELETE FROM monitoring.rollups WHERE resolution_ms = $1 AND max_time < $2",
                        resolution_ms, cutoff_ms - resolution_ms)
            .affected_rows();
    return absl::OkStatus();
  }));
  return deleted;
}

}  // namespace datamesh::monitoring::store
