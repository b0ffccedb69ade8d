// buckets_listing_bench: S3 ListObjects over one bucket of many keys, against a real PostgreSQL
// (its own, started like the tests' unless --pg-url is given).
//   buckets_listing_bench [--pg-url URL] [--keys N] [--rounds R]
// Inserts N manifest rows directly (one bucket, 10 top-level prefixes "p0/".."p9/" of N/10 keys
// each, all sharing one content), then times, as the median of R rounds: the first page of
// 1,000 keys, a page from the middle by start_after, the delimiter listing of the bucket's root
// (10 common prefixes), and a delimiter listing inside one prefix. Prints the plan of the range
// scan so the index use can be checked.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "file_ingest_migrations.h"
#include "services/file-ingest/buckets_store.h"
#include "shared/config/flags.h"
#include "shared/pg/migrations.h"
#include "shared/pg/pool.h"
#include "shared/status/status.h"
#include "shared/testing/bench_postgres.h"

namespace datamesh::file_ingest {
namespace {

constexpr char kOwner[] = "bench-owner";
constexpr char kBucket[] = "bench-bucket";

absl::Status Populate(pg::Pool& pool, int64_t keys) {
  return pool.Transact([&](pqxx::work& w) -> absl::Status {
    w.exec_params0("DELETE FROM files.files WHERE owner_id = $1", kOwner);
    w.exec_params0("DELETE FROM files.contents WHERE owner_id = $1", kOwner);
    w.exec_params0("DELETE FROM files.buckets WHERE name = $1", kBucket);
    w.exec_params0("INSERT INTO files.buckets (name, owner_id) VALUES ($1, $2)", kBucket, kOwner);
    w.exec_params0(
        "INSERT INTO files.contents (id, owner_id, size, sha256, merkle_root, wrapped_key, "
        "key_version, nonce_prefix, codec_id, data_shards, parity_shards, segment_size, "
        "inline_data) VALUES ('bench-content', $1, 10, repeat('0', 64), repeat('0', 64), "
        "'\\x00', 1, '\\x00000000', 'jerasure-rs-vand-w8', 4, 2, 4194304, '\\x00')",
        kOwner);
    // Key i of prefix p: "p<p>/k<i, 7 digits>", inserted in random order as uploads come.
    w.exec_params0(
        "INSERT INTO files.files (id, owner_id, name, content_type, content_id, encryption, md5) "
        "SELECT 'bench-' || g, $1, $2 || '/p' || (g % 10) || '/k' || lpad((g / 10)::text, 7, "
        "'0'), 'application/octet-stream', 'bench-content', 'server', md5(g::text) "
        "FROM generate_series(0, $3 - 1) g ORDER BY random()",
        kOwner, kBucket, keys);
    return absl::OkStatus();
  });
}

// CPU seconds this process has used (the listing's client side: SQL results to records).
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Case {
  const char* what;
  ObjectQuery query;
};

int Main(int argc, char** argv) {
  int64_t keys = 1'000'000, rounds = 7;
  config::FlagSet flags("buckets_listing_bench");
  testing::BenchPostgres pg(flags);
  flags.AddInt("keys", &keys, "keys in the bucket (a multiple of 10)");
  flags.AddInt("rounds", &rounds, "timed rounds per listing (the median is printed)");
  if (std::optional<int> exit = testing::ParseBenchFlags(flags, argc, argv)) return *exit;
  const auto load0 = std::chrono::steady_clock::now();
  absl::Status ready = pg.Connect({}, "files", file_ingest_migrations());
  if (ready.ok()) ready = Populate(pg.pool(), keys);
  if (ready.ok()) {
    ready = pg.pool().WithConnection([](pqxx::connection& c) {
      pqxx::nontransaction(c).exec0("VACUUM ANALYZE files.files");
      return absl::OkStatus();
    });
  }
  if (!ready.ok()) {
    std::cerr << ready << "\n";
    return 1;
  }
  std::printf("loaded %lld keys in %.1f s\n", static_cast<long long>(keys),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - load0).count());
  BucketStore store(pg.pool());
  char middle_key[32];
  std::snprintf(middle_key, sizeof middle_key, "p5/k%07lld", static_cast<long long>(keys / 20));
  const std::string middle = middle_key;
  const std::vector<Case> cases = {
      {"first page, 1,000 keys", {kBucket, "", "", "", 1000}},
      {"middle page by start_after, 1,000 keys", {kBucket, "", "", middle, 1000}},
      {"delimiter '/' at the root: 10 common prefixes", {kBucket, "", "/", "", 1000}},
      {"delimiter '/' inside prefix p5/, 1,000 keys", {kBucket, "p5/", "/", "", 1000}},
  };
  std::printf(
      "| listing (%lld keys in the bucket) | wall, median of %lld | client CPU per listing | "
      "entries |\n|---|---|---|---|\n",
      static_cast<long long>(keys), static_cast<long long>(rounds));
  for (const Case& c : cases) {
    std::vector<double> ms;
    size_t entries = 0;
    const double cpu0 = CpuSeconds();
    for (int64_t r = 0; r < rounds; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      auto page = store.ListObjects(kOwner, c.query);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!page.ok()) {
        std::cerr << c.what << ": " << page.status() << "\n";
        return 1;
      }
      entries = page->objects.size() + page->common_prefixes.size();
    }
    const double cpu_ms = (CpuSeconds() - cpu0) * 1000 / static_cast<double>(rounds);
    std::sort(ms.begin(), ms.end());
    std::printf("| %s | %.1f ms | %.1f ms | %zu |\n", c.what, ms[ms.size() / 2], cpu_ms, entries);
  }
  // The plan of one range scan (what each batch and each jump past a prefix runs).
  absl::Status explained = pg.pool().Transact([&](pqxx::work& w) {
    pqxx::result plan = w.exec_params(
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT DISTINCT ON (f.name COLLATE \"C\") f.id, "
        "c.size FROM files.files f JOIN files.contents c ON c.id = f.content_id "
        "WHERE f.owner_id = $1 AND f.name COLLATE \"C\" > $2 AND f.name COLLATE \"C\" < $3 "
        "ORDER BY f.name COLLATE \"C\", f.created_at DESC, f.id DESC LIMIT 1001",
        kOwner, absl::StrCat(kBucket, "/", middle), absl::StrCat(kBucket, "0"));
    for (const pqxx::row& row : plan) std::printf("  %s\n", row[0].c_str());
    // StatByName's read: one name, newest first.
    plan = w.exec_params(
        "EXPLAIN (ANALYZE, COSTS OFF) SELECT f.id FROM files.files f WHERE f.owner_id = $1 AND "
        "f.name COLLATE \"C\" = $2 ORDER BY f.name COLLATE \"C\", f.created_at DESC, f.id DESC "
        "LIMIT 1",
        kOwner, absl::StrCat(kBucket, "/", middle));
    for (const pqxx::row& row : plan) std::printf("  %s\n", row[0].c_str());
    return absl::OkStatus();
  });
  if (!explained.ok()) std::cerr << explained << "\n";
  return 0;
}

}  // namespace
}  // namespace datamesh::file_ingest

int main(int argc, char** argv) { return datamesh::file_ingest::Main(argc, argv); }
