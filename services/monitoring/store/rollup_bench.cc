// Rollups and long-range queries on a real PostgreSQL: `days` of `series` series every 15 s
// (simulated time; a third counters, a third byte gauges, a third float gauges, as store_bench),
// appended and flushed (heads written every 2 simulated hours, so the run stays short), then
// rolled up into 5-minute and 1-hour intervals by the builder as the service runs it, the raw
// samples past 48 h deleted, and two range queries timed through the PromQL engine over the
// store: 24 h at a 1-minute step (raw samples) and the whole range at a 1-hour step (1-hour
// rollups, the last 48 h raw). Prints the ingest rate, the rollup build rate, the bytes per raw
// sample and per rollup point (tables and indexes, after VACUUM FULL), and the query times.
//
//   tools/devstack/devstack deps --dir /tmp/dm && . /tmp/dm/env
//   DM_PG_URL=$DM_PG_URL build-*/services/monitoring/store/rollup_bench [series] [days]
//
// It empties the schema `monitoring` of that database first: use a throwaway database.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/monitoring/promql/engine.h"
#include "services/monitoring/store/bench_series.h"
#include "services/monitoring/store/sample_store.h"

using namespace datamesh;
using namespace datamesh::monitoring;

namespace {

int64_t Scalar(pg::Pool& pool, const std::string& sql) {
  int64_t v = 0;
  (void)pool.Transact([&](pqxx::work& tx) {
    const pqxx::row row = tx.exec1(sql);
    v = row[0].is_null() ? 0 : row[0].as<int64_t>();
    return absl::OkStatus();
  });
  return v;
}

// The median of `runs` timings of a range query, in ms; the series it answered in `*series`.
double TimeQuery(const promql::Engine& engine, const std::string& q, int64_t start, int64_t end,
                 int64_t step, size_t* series) {
  std::vector<double> ms;
  for (int run = 0; run < 5; ++run) {
    const absl::Time t = absl::Now();
    absl::StatusOr<promql::QueryResult> r = engine.RangeQuery(q, start, end, step);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
    if (!r.ok()) {
      std::fprintf(stderr, "%s: %s\n", q.c_str(), std::string(r.status().message()).c_str());
      std::exit(1);
    }
    *series = r->matrix.size();
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const char* url = std::getenv("DM_PG_URL");
  if (url == nullptr) {
    std::fprintf(stderr, "set DM_PG_URL (tools/devstack/devstack deps --dir /tmp/dm)\n");
    return 2;
  }
  const int series = argc > 1 ? std::atoi(argv[1]) : 100;
  const int days = argc > 2 ? std::atoi(argv[2]) : 30;
  const std::unique_ptr<pg::Pool> pool = store::BenchPool(url);
  if (pool == nullptr) return 1;
  const absl::Time t0 = absl::FromUnixSeconds(1'700'006'400);  // a whole hour
  const int rounds = days * 24 * 240;
  const absl::Time end = t0 + absl::Seconds(15 * rounds);
  store::SampleStore::Options options;
  options.retention = absl::Hours(48);
  options.rollups = *store::ParseRollups("5m:720h,1h:8760h");
  options.clock = [end] { return end; };
  prometheus::Registry metrics;
  store::SampleStore store(*pool, options, metrics);
  const std::vector<promql::Labels> labels = store::BenchLabels(series);

  // Ingest, on this thread: appends and the flushes' share.
  const absl::Time ingest_start = absl::Now();
  uint64_t stored = 0;
  std::vector<store::Sample> batch;
  for (int r = 0; r < rounds; ++r) {
    const absl::Time now = t0 + absl::Seconds(15 * r);
    const int64_t t = store::BenchTime(now, r);
    batch.clear();
    for (int i = 0; i < series; ++i) batch.push_back({labels[i], t, store::BenchValue(i, r)});
    stored += store.Append(batch, now).appended;
    if (r % 480 == 479 && !store.Flush(now).ok()) return 1;
  }
  if (!store.Flush(end, /*seal_all=*/true).ok()) return 1;
  const double ingest_s = absl::ToDoubleSeconds(absl::Now() - ingest_start);

  // Rollups: every window of the run (the builder caps each Run at 24 windows).
  const absl::Time build_start = absl::Now();
  store::RollupPass total;
  for (;;) {
    absl::StatusOr<store::RollupPass> pass = store.BuildRollups(end + absl::Minutes(10));
    if (!pass.ok()) {
      std::fprintf(stderr, "rollup: %s\n", std::string(pass.status().message()).c_str());
      return 1;
    }
    total.windows += pass->windows;
    total.samples += pass->samples;
    total.points += pass->points;
    if (pass->windows == 0) break;
  }
  const double build_s = absl::ToDoubleSeconds(absl::Now() - build_start);
  absl::StatusOr<store::RetentionResult> retention = store.ApplyRetention(end);
  if (!retention.ok()) return 1;

  (void)pool->WithConnection([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    for (const char* t : {"chunks", "series", "rollups"})
      tx.exec0(absl::StrCat("VACUUM FULL monitoring.", t));
    return absl::OkStatus();
  });
  const int64_t raw_samples = Scalar(*pool, "SELECT sum(samples) FROM monitoring.chunks");
  const int64_t chunk_bytes = Scalar(*pool, "SELECT pg_total_relation_size('monitoring.chunks')");
  const int64_t rollup_bytes = Scalar(*pool, "SELECT pg_total_relation_size('monitoring.rollups')");
  const int64_t series_bytes = Scalar(*pool, "SELECT pg_total_relation_size('monitoring.series')");
  std::printf("series %d, %d days at 15 s: %llu samples\n", series, days,
              static_cast<unsigned long long>(stored));
  std::printf("ingest (appends and flushes on one thread): %.0f samples/s\n", stored / ingest_s);
  std::printf(
      "rollup build: %lld windows, %lld samples into %lld points in %.1f s: %.0f samples/s\n",
      static_cast<long long>(total.windows), static_cast<long long>(total.samples),
      static_cast<long long>(total.points), build_s, total.samples / build_s);
  std::printf(
      "raw left (48 h): %lld samples, %.2f bytes/sample (chunks with indexes); "
      "series rows %lld bytes\n",
      static_cast<long long>(raw_samples),
      static_cast<double>(chunk_bytes) / std::max<int64_t>(raw_samples, 1),
      static_cast<long long>(series_bytes));
  (void)pool->Transact([&](pqxx::work& tx) {
    for (const pqxx::row& row :
         tx.exec("SELECT resolution_ms, sum(points), sum(octet_length(data)), count(*) "
                 "FROM monitoring.rollups GROUP BY 1 ORDER BY 1")) {
      const double points = row[1].as<double>();
      std::printf("rollup %llds: %.0f points in %lld rows, %.2f data bytes/point\n",
                  static_cast<long long>(row[0].as<int64_t>() / 1000), points,
                  static_cast<long long>(row[3].as<int64_t>()), row[2].as<double>() / points);
    }
    return absl::OkStatus();
  });
  const int64_t all_points = Scalar(*pool, "SELECT sum(points) FROM monitoring.rollups");
  std::printf("rollups with row overhead and indexes: %.2f bytes/point (%lld bytes)\n",
              static_cast<double>(rollup_bytes) / std::max<int64_t>(all_points, 1),
              static_cast<long long>(rollup_bytes));

  promql::Engine engine(store);
  const int64_t end_ms = absl::ToUnixMillis(end);
  size_t n = 0;
  const std::string q = "rate(bench_requests_total[5m])";
  double ms =
      TimeQuery(engine, "{service=\"chunk-store\"}", end_ms - 86'400'000, end_ms, 60'000, &n);
  std::printf("24 h at 1 m step, raw, %zu series (every series' plain values): %.0f ms\n", n, ms);
  ms = TimeQuery(engine, q, end_ms - 86'400'000, end_ms, 60'000, &n);
  std::printf("24 h at 1 m step, raw, %s (%zu series): %.0f ms\n", q.c_str(), n, ms);
  const std::string q30 = "avg_over_time({service=\"chunk-store\"}[1h])";
  ms = TimeQuery(engine, q30, absl::ToUnixMillis(t0) + 3'600'000, end_ms, 3'600'000, &n);
  std::printf("%d days at 1 h step, 1 h rollups (last 48 h raw), %s (%zu series): %.0f ms\n", days,
              q30.c_str(), n, ms);
  ms = TimeQuery(engine, "rate(bench_requests_total[1h])", absl::ToUnixMillis(t0) + 3'600'000,
                 end_ms, 3'600'000, &n);
  std::printf("%d days at 1 h step, rate(bench_requests_total[1h]) (%zu series): %.0f ms\n", days,
              n, ms);
  return 0;
}
