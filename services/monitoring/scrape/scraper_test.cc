// Scrape rounds against real /metrics endpoints (the prometheus-cpp exposer every service runs)
// into a store on a real PostgreSQL, with heartbeats fed to the directory by the test and the
// clock moved by it.
#include "services/monitoring/scrape/scraper.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "monitoring_migrations.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "shared/metrics/metrics_endpoint.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::monitoring::scrape {
namespace {

using promql::LabelMatcher;
using promql::MatchType;

events::v1::ServiceHeartbeat Beat(const std::string& service, const std::string& instance,
                                  const std::string& address) {
  events::v1::ServiceHeartbeat b;
  b.set_service(service);
  b.set_instance_id(instance);
  b.set_metrics_address(address);
  b.set_serving(true);
  return b;
}

bool IsStaleMarker(double v) {
  const double m = StaleMarker();
  return std::memcmp(&v, &m, sizeof v) == 0;
}

class ScraperTest : public testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    pg::PoolOptions po;
    po.url = stack_->pg_url();
    auto pool = pg::Pool::Create(po);
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "monitoring", monitoring_migrations()));
    for (int i = 0; i < 2; ++i) {
      auto registry = std::make_shared<prometheus::Registry>();
      auto& requests =
          prometheus::BuildCounter().Name("requests_total").Help("h").Register(*registry);
      requests.Add({{"code", "200"}}).Increment(10 * (i + 1));
      requests.Add({{"code", "500"}}).Increment(i + 1);
      auto endpoint = metrics::MetricsEndpoint::Start("127.0.0.1:0", registry);
      ASSERT_OK(endpoint);
      addresses_.push_back(absl::StrCat("127.0.0.1:", (*endpoint)->port()));
      endpoints_.push_back(std::move(*endpoint));
      registries_.push_back(registry);
    }
    store_ =
        std::make_unique<store::SampleStore>(*pool_, store::SampleStore::Options{}, store_metrics_);
  }

  std::unique_ptr<Scraper> NewScraper(TargetDirectory& directory, const std::string& self) {
    metrics_.push_back(std::make_unique<prometheus::Registry>());
    return std::make_unique<Scraper>(directory, *store_,
                                     Scraper::Options{self, {.timeout = absl::Seconds(5)}},
                                     *metrics_.back());
  }

  std::vector<promql::Series> Select(std::vector<LabelMatcher> m, absl::Time at) {
    auto got = store_->Select(m, absl::ToUnixMillis(at) - 60'000, absl::ToUnixMillis(at) + 60'000);
    EXPECT_OK(got);
    return got.ok() ? *got : std::vector<promql::Series>{};
  }

  static LabelMatcher Eq(const std::string& name, const std::string& value) {
    return *LabelMatcher::Make(MatchType::kEqual, name, value);
  }

  std::unique_ptr<pg::Pool> pool_;
  prometheus::Registry store_metrics_;
  std::vector<std::unique_ptr<prometheus::Registry>> metrics_;
  std::vector<std::shared_ptr<prometheus::Registry>> registries_;
  std::vector<std::unique_ptr<metrics::MetricsEndpoint>> endpoints_;
  std::vector<std::string> addresses_;
  std::unique_ptr<store::SampleStore> store_;
};

TEST_F(ScraperTest, ScrapesEveryTargetWithItsLabelsAndReportSeries) {
  const absl::Time now = absl::Now();
  TargetDirectory directory("monitoring", absl::Seconds(6));
  directory.OnHeartbeat(Beat("monitoring", "solo", addresses_[0]), now);
  directory.OnHeartbeat(Beat("dht", "dht-a", addresses_[1]), now);
  NewScraper(directory, "solo")->RunOnce(now);

  const std::vector<promql::Series> up =
      Select({Eq("__name__", "up"), Eq("instance", "dht-a")}, now);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(promql::GetLabel(up[0].labels, "service"), "dht");
  EXPECT_EQ(up[0].samples.back().v, 1);
  EXPECT_EQ(up[0].samples.back().t, absl::ToUnixMillis(now));
  const std::vector<promql::Series> errors =
      Select({Eq("__name__", "requests_total"), Eq("code", "500")}, now);
  ASSERT_EQ(errors.size(), 2u);  // one per target
  std::set<double> values;
  for (const promql::Series& s : errors) values.insert(s.samples.back().v);
  EXPECT_EQ(values, (std::set<double>{1, 2}));
  const std::vector<promql::Series> count =
      Select({Eq("__name__", "scrape_samples_scraped"), Eq("instance", "solo")}, now);
  ASSERT_EQ(count.size(), 1u);
  EXPECT_GE(count[0].samples.back().v, 2);
}

TEST_F(ScraperTest, ADeadTargetIsDownThenEndsWhenItsHeartbeatsStop) {
  absl::Time now = absl::Now();
  TargetDirectory directory("monitoring", absl::Seconds(6));
  directory.OnHeartbeat(Beat("monitoring", "solo", addresses_[0]), now);
  // Nothing listens on port 1.
  directory.OnHeartbeat(Beat("chunk-store", "gone", "127.0.0.1:1"), now);
  std::unique_ptr<Scraper> scraper = NewScraper(directory, "solo");
  scraper->RunOnce(now);
  std::vector<promql::Series> up = Select({Eq("__name__", "up"), Eq("instance", "gone")}, now);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].samples.back().v, 0);

  now += absl::Seconds(7);  // the dead instance's heartbeats stopped; ours went on
  directory.OnHeartbeat(Beat("monitoring", "solo", addresses_[0]), now);
  scraper->RunOnce(now);
  up = Select({Eq("__name__", "up"), Eq("instance", "gone")}, now);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_TRUE(IsStaleMarker(up[0].samples.back().v));
  EXPECT_EQ(scraper->owned(), std::vector<std::string>{"monitoring/solo"});
}

TEST_F(ScraperTest, TwoReplicasSplitTheTargetsAndTheSurvivorTakesOver) {
  absl::Time now = absl::Now();
  TargetDirectory d1("monitoring", absl::Seconds(6)), d2("monitoring", absl::Seconds(6));
  auto beat_all = [&](bool with_m2) {
    for (TargetDirectory* d : {&d1, &d2}) {
      d->OnHeartbeat(Beat("monitoring", "m1", addresses_[0]), now);
      if (with_m2) d->OnHeartbeat(Beat("monitoring", "m2", addresses_[1]), now);
      for (int i = 0; i < 12; ++i) {
        d->OnHeartbeat(Beat("storage", absl::StrCat("cs-", i), addresses_[i % 2]), now);
      }
    }
  };
  beat_all(true);
  std::unique_ptr<Scraper> s1 = NewScraper(d1, "m1"), s2 = NewScraper(d2, "m2");
  s1->RunOnce(now);
  s2->RunOnce(now);
  std::set<std::string> all;
  for (const std::string& k : s1->owned()) EXPECT_TRUE(all.insert(k).second) << k;
  for (const std::string& k : s2->owned())
    EXPECT_TRUE(all.insert(k).second) << k << " scraped twice";
  EXPECT_EQ(all.size(), 14u);
  EXPECT_FALSE(s1->owned().empty());
  EXPECT_FALSE(s2->owned().empty());
  // Each target's up series got exactly one sample this round.
  for (const promql::Series& s : Select({Eq("__name__", "up"), Eq("service", "storage")}, now)) {
    EXPECT_EQ(s.samples.size(), 1u) << promql::LabelsToString(s.labels);
  }

  now += absl::Seconds(7);  // m2 died: its heartbeats stopped
  beat_all(false);
  s1->RunOnce(now);
  EXPECT_EQ(s1->owned().size(), 13u);  // every target but the dead replica itself
  EXPECT_EQ(Select({Eq("__name__", "up"), Eq("service", "storage")}, now).size(), 12u);
  for (const promql::Series& s : Select({Eq("__name__", "up"), Eq("service", "storage")}, now)) {
    EXPECT_EQ(s.samples.back().t, absl::ToUnixMillis(now)) << promql::LabelsToString(s.labels);
    EXPECT_EQ(s.samples.back().v, 1);
  }
}

}  // namespace
}  // namespace datamesh::monitoring::scrape
