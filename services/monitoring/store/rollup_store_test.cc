// Rollups on a real PostgreSQL: built once per window (a second run and a second replica add
// nothing), raw chunks past their retention deleted only once rolled up, rollups deleted by
// their own resolution's retention, and queries over rolled-up ranges answering as the raw
// samples did: exactly for counts, min, max and sums of whole numbers, within rounding for
// sums of fractions (added in another order), averages and rates.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <set>
#include <thread>

#include "monitoring_migrations.h"
#include "services/monitoring/promql/api_json.h"
#include "services/monitoring/promql/engine.h"
#include "services/monitoring/promql/memory_series_source.h"
#include "services/monitoring/store/rollup_points.h"
#include "services/monitoring/store/sample_store.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::monitoring::store {
namespace {

constexpr int64_t kT0 = 1'700'006'400'000;  // a whole hour
constexpr int64_t kHour = 3'600'000;
constexpr int kSeries = 20;
constexpr int kHours = 6;
const absl::Time kAfter = absl::FromUnixMillis(kT0 + kHours * kHour + 600'000);

class RollupStoreTest : public testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    auto pool = pg::Pool::Create({.url = stack_->pg_url(), .size = 4});
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "monitoring", monitoring_migrations()));
    // The builder rolls up whatever the schema holds: start from nothing.
    ASSERT_OK(pool_->Transact([](pqxx::work& tx) {
      tx.exec0("TRUNCATE monitoring.series, monitoring.chunks, monitoring.rollups");
      tx.exec0("UPDATE monitoring.rollup_progress SET done_until = 0");
      return absl::OkStatus();
    }));
  }

  std::unique_ptr<SampleStore> NewStore(absl::Duration raw_retention, absl::Time clock) {
    registries_.push_back(std::make_shared<prometheus::Registry>());
    SampleStore::Options o;
    o.retention = raw_retention;
    o.rollups = *ParseRollups("5m:720h,1h:8760h");
    o.clock = [clock] { return clock; };
    return std::make_unique<SampleStore>(*pool_, o, *registries_.back());
  }

  // kHours of kSeries series every 15 s (counters with a reset, and gauges), flushed as the
  // service flushes; the same samples into `memory`.
  void Fill(SampleStore& store, promql::MemorySeriesSource& memory) {
    for (int i = 0; i < kHours * 240; ++i) {
      const int64_t t = kT0 + 7'000 + 15'000 * i + (i * 7919) % 11 - 5;
      const absl::Time now = absl::FromUnixMillis(t);
      std::vector<Sample> batch;
      for (int s = 0; s < kSeries; ++s) {
        const bool counter = s % 2 == 0;
        const double v =
            counter ? (i < 500 ? i : i - 500) * (s + 1.0) : 0.5 + 0.25 * std::sin(i / 9.0 + s);
        const auto labels = promql::MakeLabels(
            {{"__name__", counter ? "rq_total" : "rq_load"}, {"n", std::to_string(s)}});
        batch.push_back({labels, t, v});
        ASSERT_OK(memory.Add(labels, t, v));
      }
      store.Append(batch, now);
      if (i % 2 == 1) ASSERT_OK(store.Flush(now));
    }
    ASSERT_OK(store.Flush(kAfter, /*seal_all=*/true));
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_OK(pool_->Transact([&](pqxx::work& tx) {
      n = tx.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    }));
    return n;
  }

  std::unique_ptr<pg::Pool> pool_;
  std::vector<std::shared_ptr<prometheus::Registry>> registries_;
};

// Intervals per series: 12 of 5 minutes and 1 of an hour per hour.
constexpr int64_t kPointsPerPass = kSeries * kHours * (12 + 1);

TEST_F(RollupStoreTest, BuiltOnceThenRawDeletedAndQueriesAnswerAsRawDid) {
  auto store = NewStore(absl::Hours(2), kAfter);
  promql::MemorySeriesSource memory;
  Fill(*store, memory);

  absl::StatusOr<RollupPass> pass = store->BuildRollups(kAfter);
  ASSERT_OK(pass);
  EXPECT_EQ(pass->windows, kHours);
  EXPECT_EQ(pass->samples, kSeries * kHours * 240);
  EXPECT_EQ(pass->points, kPointsPerPass);
  EXPECT_EQ(pass->done_until_ms, kT0 + kHours * kHour);
  // Again: nothing left to build. Rewinding the progress rebuilds nothing twice either.
  pass = store->BuildRollups(kAfter);
  ASSERT_OK(pass);
  EXPECT_EQ(pass->windows, 0);
  ASSERT_OK(pool_->Transact([](pqxx::work& tx) {
    tx.exec_params0("UPDATE monitoring.rollup_progress SET done_until = $1", kT0 + kHour);
    return absl::OkStatus();
  }));
  pass = store->BuildRollups(kAfter);
  ASSERT_OK(pass);
  EXPECT_EQ(pass->windows, kHours - 1);
  EXPECT_EQ(pass->points, 0);
  EXPECT_EQ(Count("SELECT coalesce(sum(points), 0) FROM monitoring.rollups"), kPointsPerPass);

  // Raw retention 2 h: the first four hours' chunks go, the rest stay.
  const int64_t chunks_before = Count("SELECT count(*) FROM monitoring.chunks");
  absl::StatusOr<RetentionResult> deleted = store->ApplyRetention(kAfter);
  ASSERT_OK(deleted);
  EXPECT_GT(deleted->chunks_deleted, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM monitoring.chunks"),
            chunks_before - deleted->chunks_deleted);
  EXPECT_EQ(Count("SELECT count(*) FROM monitoring.chunks WHERE max_time < " +
                  std::to_string(absl::ToUnixMillis(kAfter - absl::Hours(2)))),
            0);

  // Steps whose windows start before the raw samples read rollups, the others raw chunks.
  promql::Engine over_store(*store), over_memory(memory);
  const int64_t start = kT0 + kHour, end = kT0 + kHours * kHour;
  for (const auto& [q, step, exact] : std::vector<std::tuple<std::string, int64_t, bool>>{
           {"sum_over_time(rq_total[1h])", kHour, true},
           {"sum_over_time(rq_load[1h])", kHour, false},
           {"max_over_time(rq_total[5m])", 300'000, true},
           {"count_over_time(rq_load[30m])", 1'800'000, true},
           {"avg_over_time(rq_load[1h])", kHour, false},
           {"sum(rate(rq_total[1h]))", kHour, false},
           {"increase(rq_total[15m])", 900'000, false}}) {
    auto a = over_memory.RangeQuery(q, start, end, step);
    auto b = over_store.RangeQuery(q, start, end, step);
    ASSERT_OK(a);
    ASSERT_OK(b);
    ASSERT_EQ(a->matrix.size(), b->matrix.size()) << q;
    for (size_t i = 0; i < a->matrix.size(); ++i) {
      ASSERT_EQ(a->matrix[i].points.size(), b->matrix[i].points.size()) << q;
      for (size_t j = 0; j < a->matrix[i].points.size(); ++j) {
        const double x = a->matrix[i].points[j].v, y = b->matrix[i].points[j].v;
        if (exact) {
          EXPECT_EQ(x, y) << q << " step " << j;
        } else {
          EXPECT_NEAR(x, y, 1e-9 * std::max(1.0, std::fabs(x))) << q << " step " << j;
        }
      }
    }
  }
}

TEST_F(RollupStoreTest, TwoReplicasBuildEachWindowOnce) {
  auto a = NewStore(absl::Hours(48), kAfter);
  auto b = NewStore(absl::Hours(48), kAfter);
  promql::MemorySeriesSource memory;
  Fill(*a, memory);
  int64_t windows = 0, points = 0;
  std::vector<std::thread> replicas;
  std::mutex mu;
  for (SampleStore* s : {a.get(), b.get()}) {
    replicas.emplace_back([&, s] {
      for (int round = 0; round < 5; ++round) {
        absl::StatusOr<RollupPass> p = s->BuildRollups(kAfter);
        EXPECT_OK(p);
        if (!p.ok()) return;
        std::lock_guard<std::mutex> lock(mu);
        windows += p->windows;
        points += p->points;
      }
    });
  }
  for (std::thread& t : replicas) t.join();
  EXPECT_EQ(windows, kHours);
  EXPECT_EQ(points, kPointsPerPass);
  // Every stored row decodes, and no interval is there twice.
  ASSERT_OK(pool_->Transact([&](pqxx::work& tx) {
    for (const pqxx::row& row : tx.exec("SELECT data FROM monitoring.rollups")) {
      absl::StatusOr<std::vector<promql::RollupPoint>> p =
          DecodeRollups(pqxx::binarystring(row[0]).str());
      EXPECT_OK(p);
      if (!p.ok()) continue;
      std::set<int64_t> starts;
      for (const promql::RollupPoint& x : *p) EXPECT_TRUE(starts.insert(x.t).second);
    }
    return absl::OkStatus();
  }));
}

TEST_F(RollupStoreTest, RawWaitsForItsRollupsAndEachResolutionExpiresOnItsOwn) {
  auto store = NewStore(absl::Hours(1), kAfter);
  promql::MemorySeriesSource memory;
  Fill(*store, memory);
  const int64_t chunks = Count("SELECT count(*) FROM monitoring.chunks");
  // Past the raw retention but not rolled up: kept, and queries read them.
  absl::StatusOr<RetentionResult> r = store->ApplyRetention(kAfter + absl::Hours(24));
  ASSERT_OK(r);
  EXPECT_EQ(r->chunks_deleted, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM monitoring.chunks"), chunks);
  const std::string q = "max_over_time(rq_load[10m])";
  auto a = promql::Engine(memory).RangeQuery(q, kT0 + kHour, kT0 + 5 * kHour, 600'000);
  auto b = promql::Engine(*store).RangeQuery(q, kT0 + kHour, kT0 + 5 * kHour, 600'000);
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(promql::RenderQueryData(*a), promql::RenderQueryData(*b));
  EXPECT_EQ(b->matrix.size(), static_cast<size_t>(kSeries / 2));

  ASSERT_OK(store->BuildRollups(kAfter));
  r = store->ApplyRetention(kAfter + absl::Hours(24));
  ASSERT_OK(r);
  EXPECT_EQ(r->chunks_deleted, chunks);
  EXPECT_EQ(r->rollups_deleted, 0);

  // 31 days on: the 5-minute rollups are past their 30 days, the hourly ones stay, and so do
  // the series rows (they still have rollups).
  r = store->ApplyRetention(kAfter + absl::Hours(31 * 24));
  ASSERT_OK(r);
  EXPECT_GT(r->rollups_deleted, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM monitoring.rollups WHERE resolution_ms = 300000"), 0);
  EXPECT_EQ(Count("SELECT coalesce(sum(points), 0) FROM monitoring.rollups WHERE resolution_ms = "
                  "3600000"),
            kSeries * kHours);
  EXPECT_EQ(Count("SELECT count(*) FROM monitoring.series"), kSeries);
  // A year and a day on: nothing left.
  r = store->ApplyRetention(kAfter + absl::Hours(366 * 24));
  ASSERT_OK(r);
  EXPECT_EQ(Count("SELECT count(*) FROM monitoring.rollups"), 0);
}

}  // namespace
}  // namespace datamesh::monitoring::store
