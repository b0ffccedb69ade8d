// The series the storage benchmarks (store_bench, rollup_bench) write, as a chunk-store's
// /metrics would: a third counters, a third byte gauges moving by pages, a third noisy float
// gauges, 30 series per instance, scraped every 15 s with a few ms of jitter; and the throwaway
// schema they write into.
#pragma once

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "monitoring_migrations.h"
#include "services/monitoring/promql/labels.h"
#include "shared/pg/pool.h"

namespace datamesh::monitoring::store {

inline std::vector<promql::Labels> BenchLabels(int series) {
  std::vector<promql::Labels> labels;
  for (int i = 0; i < series; ++i) {
    const char* name = i % 3 == 0   ? "bench_requests_total"
                       : i % 3 == 1 ? "bench_used_bytes"
                                    : "bench_load";
    labels.push_back(promql::MakeLabels({{"__name__", name},
                                         {"instance", absl::StrCat("node-", i / 30)},
                                         {"service", "chunk-store"},
                                         {"shard", std::to_string(i % 30)}}));
  }
  return labels;
}

// Series `i`'s value at scrape round `r`.
inline double BenchValue(int i, int r) {
  return i % 3 == 0   ? r * (i + 1.0)
         : i % 3 == 1 ? 4096.0 * (1000 + r * (i % 7))
                      : 0.5 + 0.25 * std::sin(r / 9.0 + i);
}

// Round `r`'s sample time: its scrape time and a few ms of jitter.
inline int64_t BenchTime(absl::Time scrape, int r) {
  return absl::ToUnixMillis(scrape) + (r * 7919) % 11 - 5;
}

// A pool on `url` with the schema migrated and emptied; null (said on stderr) when it cannot.
inline std::unique_ptr<pg::Pool> BenchPool(const char* url) {
  auto pool = pg::Pool::Create({.url = url, .size = 2});
  if (!pool.ok() || !pg::ApplyMigrations(**pool, "monitoring", monitoring_migrations()).ok()) {
    std::fprintf(stderr, "cannot reach or migrate %s\n", url);
    return nullptr;
  }
  (void)(*pool)->Transact([](pqxx::work& tx) {
    tx.exec0("TRUNCATE monitoring.series, monitoring.chunks, monitoring.rollups");
    tx.exec0("UPDATE monitoring.rollup_progress SET done_until = 0");
    return absl::OkStatus();
  });
  return std::move(*pool);
}

}  // namespace datamesh::monitoring::store
