// Ingest into the series store on a real PostgreSQL: scrape rounds of `--series` series every
// 15 s (simulated time: a counter, a byte gauge and a float gauge per target, like a service's
// /metrics), the heads flushed every 30 s as the service does, then a final sealing flush.
// Prints the append rate (into the in-memory heads), the time of one flush, the rate of both
// back to back on this thread (the service flushes on a thread of its own, every 30 s of wall
// time), and the PostgreSQL bytes per stored sample (chunks and series with their indexes).
//
//   tools/devstack/devstack deps --dir /tmp/dm && . /tmp/dm/env
//   DM_PG_URL=$DM_PG_URL build-*/services/monitoring/store/store_bench [series] [rounds]
//       [chunk samples] [chunk max age in hours]
//
// It writes into the schema `monitoring` of that database and empties it first: use a
// throwaway database.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/monitoring/store/bench_series.h"
#include "services/monitoring/store/sample_store.h"

using namespace datamesh;
using namespace datamesh::monitoring;

int main(int argc, char** argv) {
  const char* url = std::getenv("DM_PG_URL");
  if (url == nullptr) {
    std::fprintf(stderr, "set DM_PG_URL (tools/devstack/devstack deps --dir /tmp/dm)\n");
    return 2;
  }
  const int series = argc > 1 ? std::atoi(argv[1]) : 3000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 240;  // an hour at 15 s
  // The service's --chunk-samples and --chunk-max-age (their defaults without arguments).
  store::SampleStore::Options options;
  if (argc > 3) options.head.max_samples = static_cast<uint32_t>(std::atoi(argv[3]));
  if (argc > 4) options.head.max_age = absl::Hours(std::atoi(argv[4]));
  const std::unique_ptr<pg::Pool> pool = store::BenchPool(url);
  if (pool == nullptr) return 1;
  prometheus::Registry metrics;
  store::SampleStore store(*pool, options, metrics);
  const std::vector<promql::Labels> labels = store::BenchLabels(series);
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  const absl::Time start = absl::Now();
  uint64_t stored = 0;
  absl::Duration in_flush;
  for (int r = 0; r < rounds; ++r) {
    const absl::Time now = t0 + absl::Seconds(15 * r);
    const int64_t t = store::BenchTime(now, r);
    std::vector<store::Sample> batch;
    batch.reserve(series);
    for (int i = 0; i < series; ++i) batch.push_back({labels[i], t, store::BenchValue(i, r)});
    stored += store.Append(batch, now).appended;
    const absl::Time flush_start = absl::Now();
    if (r % 2 == 1 && !store.Flush(now).ok()) return 1;
    in_flush += absl::Now() - flush_start;
  }
  const absl::Time flush_start = absl::Now();
  if (!store.Flush(t0 + absl::Seconds(15 * rounds), /*seal_all=*/true).ok()) return 1;
  in_flush += absl::Now() - flush_start;
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  int64_t bytes = 0, chunk_bytes = 0;
  // Compacted first: rewriting each head in place leaves dead row versions, which autovacuum
  // makes reusable in a running service; the figure is the live data with its indexes.
  (void)pool->WithConnection([](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec0("VACUUM FULL monitoring.chunks");
    tx.exec0("VACUUM FULL monitoring.series");
    return absl::OkStatus();
  });
  (void)pool->Transact([&](pqxx::work& tx) {
    const pqxx::row sizes = tx.exec1(
        "SELECT pg_total_relation_size('monitoring.chunks'), "
        "pg_total_relation_size('monitoring.series')");
    chunk_bytes = sizes[0].as<int64_t>();
    bytes = chunk_bytes + sizes[1].as<int64_t>();
    return absl::OkStatus();
  });
  // Where the bytes go: each table's heap (with its TOAST) and each index, per sample.
  (void)pool->Transact([&](pqxx::work& tx) {
    for (const pqxx::row& row : tx.exec(
             "SELECT c.relname, CASE WHEN c.relkind = 'i' THEN pg_relation_size(c.oid) "
             "ELSE pg_table_size(c.oid) END FROM pg_class c JOIN pg_namespace n ON "
             "n.oid = c.relnamespace WHERE n.nspname = 'monitoring' AND c.relname IN "
             "(SELECT tablename FROM pg_tables WHERE schemaname = 'monitoring' AND tablename IN "
             "('chunks', 'series') UNION SELECT indexname FROM pg_indexes WHERE schemaname = "
             "'monitoring' AND tablename IN ('chunks', 'series')) ORDER BY 2 DESC")) {
      std::printf("  %-28s %10lld bytes  %.3f bytes/sample\n", row[0].c_str(),
                  static_cast<long long>(row[1].as<int64_t>()),
                  static_cast<double>(row[1].as<int64_t>()) / stored);
    }
    return absl::OkStatus();
  });
  const double flush_seconds = absl::ToDoubleSeconds(in_flush);
  std::printf(
      "series %d, rounds %d, %llu samples: appends %.0f samples/s; flushes %.0f ms each "
      "(%d heads); appends and flushes back to back %.0f samples/s; %.2f PostgreSQL "
      "bytes/sample (tables and indexes)\n",
      series, rounds, static_cast<unsigned long long>(stored), stored / (seconds - flush_seconds),
      1000 * flush_seconds / (rounds / 2 + 1), series, stored / seconds,
      static_cast<double>(bytes) / stored);
  // A series row is written once and serves its whole life; counted against the raw samples
  // alone over the default raw retention (48 h at one sample per 15 s: 11,520 samples) it adds
  // (series bytes / series) / 11,520 (the rollups kept after share it too).
  const double per_series = static_cast<double>(bytes - chunk_bytes) / series;
  std::printf(
      "at 48 h of raw retention: %.2f bytes/sample (chunks with their indexes %.2f, series rows "
      "%.0f bytes each over 11,520 samples)\n",
      static_cast<double>(chunk_bytes) / stored + per_series / 11'520,
      static_cast<double>(chunk_bytes) / stored, per_series);
  return 0;
}
