// SampleStore against a real PostgreSQL: samples come back bit-exact from heads, from stored
// chunks and from both at once, after a restart, across two replicas writing one series, and
// the PromQL engine answers over the store exactly as over the in-memory source.
#include "services/monitoring/store/sample_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "monitoring_migrations.h"
#include "services/monitoring/promql/api_json.h"
#include "services/monitoring/promql/engine.h"
#include "services/monitoring/promql/memory_series_source.h"
#include "shared/testing/wait_for.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::monitoring::store {
namespace {

using promql::LabelMatcher;
using promql::MatchType;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);
const int64_t kNowMs = absl::ToUnixMillis(kNow);

promql::Labels L(std::vector<promql::Label> labels) {
  return promql::MakeLabels(std::move(labels));
}

LabelMatcher M(MatchType type, const std::string& name, const std::string& value) {
  return *LabelMatcher::Make(type, name, value);
}

double StaleNaN() {
  const uint64_t bits = 0x7ff0000000000002ull;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

class SampleStoreTest : public testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    pg::PoolOptions po;
    po.url = stack_->pg_url();
    po.size = 4;
    auto pool = pg::Pool::Create(po);
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "monitoring", monitoring_migrations()));
  }

  std::unique_ptr<SampleStore> NewStore(SampleStore::Options options = {}) {
    registries_.push_back(std::make_shared<prometheus::Registry>());
    return std::make_unique<SampleStore>(*pool_, options, *registries_.back());
  }

  int64_t CountRows(const std::string& sql) {
    int64_t n = -1;
    EXPECT_OK(pool_->Transact([&](pqxx::work& tx) {
      n = tx.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    }));
    return n;
  }

  std::vector<promql::Series> SelectName(const SampleStore& store, const std::string& name,
                                         int64_t from = 0, int64_t to = kNowMs + 3'600'000) {
    auto got = store.Select({M(MatchType::kEqual, "__name__", name)}, from, to);
    EXPECT_OK(got);
    return got.ok() ? *got : std::vector<promql::Series>{};
  }

  std::unique_ptr<pg::Pool> pool_;
  std::vector<std::shared_ptr<prometheus::Registry>> registries_;
};

TEST_F(SampleStoreTest, FlushedSamplesComeBackBitExactAfterARestart) {
  const promql::Labels series = L({{"__name__", "restart_total"}, {"instance", "a"}});
  const std::vector<double> values = {0, 1.5, -0.0, 1e300, StaleNaN(), 7};
  {
    auto store = NewStore();
    std::vector<Sample> batch;
    for (size_t i = 0; i < values.size(); ++i) {
      batch.push_back({series, kNowMs + static_cast<int64_t>(i) * 15'000, values[i]});
    }
    EXPECT_EQ(store->Append(batch, kNow).appended, values.size());
    ASSERT_OK(store->Flush(kNow));
  }
  auto restarted = NewStore();
  const std::vector<promql::Series> got = SelectName(*restarted, "restart_total");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].labels, series);
  ASSERT_EQ(got[0].samples.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(got[0].samples[i].t, kNowMs + static_cast<int64_t>(i) * 15'000);
    EXPECT_TRUE(SameBits(got[0].samples[i].v, values[i])) << i;
  }
}

TEST_F(SampleStoreTest, HeadAndStoredSamplesMergeWithoutRepeats) {
  auto store = NewStore();
  const promql::Labels series = L({{"__name__", "merge_gauge"}});
  for (int i = 0; i < 5; ++i) store->Append({{series, kNowMs + i * 1000, double(i)}}, kNow);
  EXPECT_EQ(SelectName(*store, "merge_gauge")[0].samples.size(), 5u);  // heads only
  ASSERT_OK(store->Flush(kNow));
  for (int i = 5; i < 8; ++i) store->Append({{series, kNowMs + i * 1000, double(i)}}, kNow);
  const std::vector<promql::Series> got = SelectName(*store, "merge_gauge");
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].samples.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(got[0].samples[i].v, i);
  // The head's row is rewritten in place as it grows: one row.
  ASSERT_OK(store->Flush(kNow));
  EXPECT_EQ(CountRows("SELECT count(*) FROM monitoring.chunks c JOIN monitoring.series s "
                      "ON s.id = c.series_id WHERE s.metric_name = 'merge_gauge'"),
            1);
  EXPECT_EQ(SelectName(*NewStore(), "merge_gauge")[0].samples.size(), 8u);
}

TEST_F(SampleStoreTest, FullChunksAreSealedIntoRowsOfTheirOwn) {
  auto store = NewStore({.head = {.max_samples = 10}});
  const promql::Labels series = L({{"__name__", "sealed_total"}});
  for (int i = 0; i < 35; ++i) {
    store->Append({{series, kNowMs + i * 15'000, double(i * 3)}}, kNow);
    if (i % 7 == 0) {
      ASSERT_OK(store->Flush(kNow));
    }
  }
  ASSERT_OK(store->Flush(kNow));
  EXPECT_EQ(CountRows("SELECT count(*) FROM monitoring.chunks c JOIN monitoring.series s "
                      "ON s.id = c.series_id WHERE s.metric_name = 'sealed_total'"),
            4);
  const std::vector<promql::Series> got = SelectName(*NewStore(), "sealed_total");
  ASSERT_EQ(got[0].samples.size(), 35u);
  // A range that cuts chunks keeps exactly the samples inside it, both ends included.
  const auto part = SelectName(*store, "sealed_total", kNowMs + 45'000, kNowMs + 300'000);
  ASSERT_EQ(part[0].samples.size(), 18u);
  EXPECT_EQ(part[0].samples.front().t, kNowMs + 45'000);
  EXPECT_EQ(part[0].samples.back().t, kNowMs + 300'000);
}

TEST_F(SampleStoreTest, MatchersSelectSeriesByNameLabelsAndExpressions) {
  auto store = NewStore();
  for (const char* instance : {"a", "b", "c"}) {
    store->Append(
        {{L({{"__name__", "match_up"}, {"instance", instance}, {"zone", "z1"}}), kNowMs, 1},
         {L({{"__name__", "match_up"}, {"instance", instance}}), kNowMs, 0}},
        kNow);
  }
  ASSERT_OK(store->Flush(kNow));
  auto store2 = NewStore();  // from PostgreSQL only
  for (const SampleStore* s : {store.get(), store2.get()}) {
    auto count = [&](std::vector<LabelMatcher> m) {
      auto got = s->Select(m, kNowMs, kNowMs);
      EXPECT_OK(got);
      return got.ok() ? got->size() : 0;
    };
    const LabelMatcher name = M(MatchType::kEqual, "__name__", "match_up");
    EXPECT_EQ(count({name}), 6u);
    EXPECT_EQ(count({name, M(MatchType::kEqual, "zone", "z1")}), 3u);
    EXPECT_EQ(count({name, M(MatchType::kEqual, "zone", "")}), 3u);  // no zone label
    EXPECT_EQ(count({name, M(MatchType::kRegexMatch, "instance", "a|c"),
                     M(MatchType::kNotEqual, "zone", "z1")}),
              2u);
    EXPECT_EQ(count({M(MatchType::kRegexMatch, "__name__", "match_.*"),
                     M(MatchType::kRegexNoMatch, "instance", "b")}),
              4u);
  }
}

TEST_F(SampleStoreTest, TwoReplicasWritingOneSeriesShareItsRowAndAreMergedOnRead) {
  auto a = NewStore();
  auto b = NewStore();
  const promql::Labels series = L({{"__name__", "handover_total"}, {"instance", "x"}});
  for (int i = 0; i < 4; ++i) a->Append({{series, kNowMs + i * 1000, double(i)}}, kNow);
  // The other replica takes over one sample late: 3000 is stored by both.
  for (int i = 3; i < 6; ++i) b->Append({{series, kNowMs + i * 1000, double(i)}}, kNow);
  ASSERT_OK(a->Flush(kNow));
  ASSERT_OK(b->Flush(kNow));
  EXPECT_EQ(
      CountRows("SELECT count(*) FROM monitoring.series WHERE metric_name = 'handover_total'"), 1);
  const std::vector<promql::Series> got = SelectName(*NewStore(), "handover_total");
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].samples.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(got[0].samples[i].t, kNowMs + i * 1000);
}

TEST_F(SampleStoreTest, RefusesSamplesTheStoreCannotHold) {
  auto store = NewStore();
  const AppendCounts counts =
      store->Append({{L({{"__name__", "bad"}, {"v", std::string("a\0b", 3)}}), kNowMs, 1},
                     {L({{"__name__", "bad"}, {"v", "\xff"}}), kNowMs, 1},
                     {L({{"instance", "no-name"}}), kNowMs, 1},
                     {L({{"__name__", "good"}}), kNowMs, 1},
                     {L({{"__name__", "good"}}), kNowMs - 1, 1}},
                    kNow);
  EXPECT_EQ(counts.invalid, 3u);
  EXPECT_EQ(counts.appended, 1u);
  EXPECT_EQ(counts.out_of_order, 1u);
  ASSERT_OK(store->Flush(kNow));
  EXPECT_EQ(CountRows("SELECT count(*) FROM monitoring.series WHERE metric_name = 'bad'"), 0);
}

TEST_F(SampleStoreTest, FindSeriesHonoursTheTimeRange) {
  auto store = NewStore();
  store->Append({{L({{"__name__", "find_old"}}), kNowMs - 3'600'000, 1},
                 {L({{"__name__", "find_new"}}), kNowMs, 1}},
                kNow);
  ASSERT_OK(store->Flush(kNow));
  const std::vector<std::vector<LabelMatcher>> selectors = {
      {M(MatchType::kRegexMatch, "__name__", "find_.*")}};
  auto restarted = NewStore();
  for (const SampleStore* s : {store.get(), restarted.get()}) {
    auto all = s->FindSeries(selectors, 0, kNowMs);
    ASSERT_OK(all);
    EXPECT_EQ(all->size(), 2u);
    auto recent = s->FindSeries(selectors, kNowMs - 60'000, kNowMs);
    ASSERT_OK(recent);
    ASSERT_EQ(recent->size(), 1u);
    EXPECT_EQ(promql::GetLabel((*recent)[0], "__name__"), "find_new");
  }
}

TEST_F(SampleStoreTest, TheEngineAnswersOverTheStoreAsOverMemory) {
  auto store = NewStore({.head = {.max_samples = 50}});
  promql::MemorySeriesSource memory;
  std::vector<Sample> batch;
  for (int i = 0; i < 240; ++i) {  // an hour at 15 s
    const int64_t t = kNowMs + i * 15'000 + (i % 3);
    for (const char* job : {"a", "b"}) {
      for (const char* code : {"200", "500"}) {
        const double v =
            (code[0] == '2' ? 10 : 1) * i * (job[0] == 'a' ? 1 : 2) + (i > 120 ? -i : 0);
        const auto labels =
            L({{"__name__", "oracle_requests_total"}, {"job", job}, {"code", code}});
        batch.push_back({labels, t, v});
        ASSERT_OK(memory.Add(labels, t, v));
      }
    }
    const auto gauge = L({{"__name__", "oracle_temp"}, {"job", "a"}});
    batch.push_back({gauge, t, std::sin(i / 10.0) * 30});
    ASSERT_OK(memory.Add(gauge, t, std::sin(i / 10.0) * 30));
    if (i == 100) {
      store->Append(batch, kNow);
      batch.clear();
      ASSERT_OK(store->Flush(kNow));  // half in chunks, half in heads
    }
  }
  store->Append(batch, kNow);
  promql::Engine over_store(*store), over_memory(memory);
  for (const char* q : {"oracle_requests_total", "sum by (job) (rate(oracle_requests_total[5m]))",
                        "increase(oracle_requests_total{code=\"500\"}[10m])",
                        "max_over_time(oracle_temp[20m]) - min_over_time(oracle_temp[20m])",
                        "oracle_requests_total > bool 1000"}) {
    auto a = over_store.RangeQuery(q, kNowMs, kNowMs + 3'600'000, 60'000);
    auto b = over_memory.RangeQuery(q, kNowMs, kNowMs + 3'600'000, 60'000);
    ASSERT_OK(a);
    ASSERT_OK(b);
    EXPECT_EQ(promql::RenderQueryData(*a), promql::RenderQueryData(*b)) << q;
  }
}

TEST_F(SampleStoreTest, RetentionDeletesOldChunksThenSeriesLeftEmpty) {
  auto store = NewStore({.retention = absl::Hours(1)});
  const absl::Time now = absl::Now();
  const int64_t now_ms = absl::ToUnixMillis(now);
  store->Append({{L({{"__name__", "retention_old"}}), now_ms - 7'200'000, 1},
                 {L({{"__name__", "retention_new"}}), now_ms, 1}},
                now);
  ASSERT_OK(store->Flush(now, /*seal_all=*/true));
  auto deleted = store->ApplyRetention(now);
  ASSERT_OK(deleted);
  EXPECT_GE(deleted->chunks_deleted, 1);
  EXPECT_EQ(SelectName(*store, "retention_old", 0, now_ms).size(), 0u);
  EXPECT_EQ(SelectName(*store, "retention_new", 0, now_ms).size(), 1u);
  // The emptied series row stays until it is older than the retention itself.
  EXPECT_EQ(CountRows("SELECT count(*) FROM monitoring.series WHERE metric_name = 'retention_old'"),
            1);
  auto tiny = NewStore({.retention = absl::Milliseconds(1)});
  EXPECT_TRUE(datamesh::testing::WaitFor(
      [&] {
        (void)tiny->ApplyRetention(absl::Now());
        return CountRows(
                   "SELECT count(*) FROM monitoring.series WHERE metric_name = 'retention_old'") ==
               0;
      },
      absl::Seconds(10)));
}

}  // namespace
}  // namespace datamesh::monitoring::store
