#include "services/monitoring/health/health_report.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/monitoring/health/durability_margin.h"

namespace datamesh::monitoring::health {
namespace {

const absl::Time kT = absl::FromUnixSeconds(1'700'000'000);

TEST(NodeDirectory, NodesGoDownWhenSilentAndAreForgottenLater) {
  NodeDirectory d(absl::Seconds(15), absl::Hours(1));
  events::v1::NodeHeartbeat beat;
  EXPECT_FALSE(d.OnHeartbeat(beat, kT));
  beat.set_node_id(std::string(64, 'b'));
  beat.set_address("10.0.0.2:7005");
  beat.set_zone("zone-b");
  beat.set_capacity_bytes(1000);
  beat.set_used_bytes(10);
  EXPECT_TRUE(d.OnHeartbeat(beat, kT));
  beat.set_node_id(std::string(64, 'a'));
  EXPECT_TRUE(d.OnHeartbeat(beat, kT + absl::Seconds(20)));
  std::vector<NodeInfo> nodes = d.Nodes(kT + absl::Seconds(20));
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].id, std::string(64, 'a'));
  EXPECT_TRUE(nodes[0].up);
  EXPECT_FALSE(nodes[1].up) << "silent for 20 s, past the 15 s expiry";
  EXPECT_EQ(nodes[1].zone, "zone-b");
  EXPECT_EQ(nodes[1].capacity_bytes, 1000u);
  EXPECT_EQ(d.Nodes(kT + absl::Hours(1) + absl::Seconds(10)).size(), 1u);
}

alerts::GroupSnapshot Firing(const std::string& severity) {
  rules::Rule r;
  r.name = "DataMeshChunkStoreDown";
  alerts::Alert a;
  a.state = alerts::AlertState::kFiring;
  a.labels = promql::MakeLabels(
      {{"alertname", r.name}, {"instance", "chunk-store-5"}, {"severity", severity}});
  a.annotations = promql::MakeLabels({{"summary", "Chunk store chunk-store-5 is down"},
                                      {"description", "It stopped answering."},
                                      {"remediation", "Restart the node."}});
  alerts::Alert pending = a;
  pending.state = alerts::AlertState::kPending;
  return alerts::GroupSnapshot{"storage", "f", absl::Minutes(1), kT, {}, {{r, {}, {a, pending}}}};
}

TEST(HealthReport, AllHealthyIsOkAndFullScore) {
  const v1::GetHealthResponse h =
      BuildHealth({{"auth", "a1", true}, {"auth", "a2", true}, {"dht", "d1", true}},
                  {{"n1", "h:1", "z", 10, 1, true}}, {}, DurabilityFromSeries({}, {}, {}));
  EXPECT_EQ(h.status(), "ok");
  EXPECT_EQ(h.score(), 100u);
  EXPECT_EQ(h.checks_size(), 0);
  ASSERT_EQ(h.services_size(), 2);
  EXPECT_EQ(h.services(0).name(), "auth");
  EXPECT_EQ(h.services(0).instances(), 2u);
  EXPECT_EQ(h.services(0).healthy(), 2u);
  EXPECT_EQ(h.nodes(0).state(), "up");
  EXPECT_FALSE(h.durability().available()) << "never estimated";
  EXPECT_FALSE(h.durability().reason().empty());
}

promql::VectorSample Bucket(const std::string& parity, const std::string& spare, double v) {
  return {promql::Labels{{"parity", parity}, {"spare", spare}}, v};
}

TEST(DurabilityMargin, BucketsFromTheScrapedSeriesHighestSpareFirst) {
  const v1::DurabilityMargin m = DurabilityFromSeries(
      {Bucket("2", "0", 0), Bucket("2", "2", 90), Bucket("2", "lost", 0), Bucket("2", "1", 10),
       Bucket("3", "3", 5)},
      {{{}, 0}}, {{{}, 1'700'000'000.25}});
  ASSERT_TRUE(m.available());
  std::vector<std::string> buckets;
  for (const v1::DurabilityBucket& b : m.segments()) {
    buckets.push_back(absl::StrCat(b.parity_shards(), "/", b.spare_shards(), "=", b.segments()));
  }
  EXPECT_EQ(buckets, (std::vector<std::string>{"2/2=90", "2/1=10", "2/0=0", "3/3=5"}));
  EXPECT_EQ(m.segments_lost(), 0u);
  EXPECT_EQ(m.measured_at().seconds(), 1'700'000'000);
  EXPECT_EQ(m.measured_at().nanos(), 250'000'000);
  // Ten segments with one spare of two left: a warning, the status degraded.
  const v1::GetHealthResponse h = BuildHealth({{"file-ingest", "f1", true}}, {}, {}, m);
  ASSERT_EQ(h.checks_size(), 1);
  EXPECT_EQ(h.checks(0).id(), "DURABILITY_MARGIN");
  EXPECT_EQ(h.checks(0).severity(), "WARN");
  EXPECT_EQ(h.checks(0).summary(), "10 segments are at their last spare shard");
  EXPECT_FALSE(h.checks(0).remediation().empty());
  EXPECT_EQ(h.status(), "degraded");
  EXPECT_EQ(h.durability().segments_size(), 4);
}

TEST(DurabilityMargin, LostSegmentsAreAnErrorAndAFullMarginNoCheck) {
  const v1::DurabilityMargin lost = DurabilityFromSeries(
      {Bucket("2", "2", 7), Bucket("2", "lost", 2)}, {{{}, 1}}, {});
  EXPECT_EQ(lost.segments_lost(), 2u);
  EXPECT_EQ(lost.files_lost(), 1u);
  const v1::GetHealthResponse h = BuildHealth({}, {}, {}, lost);
  ASSERT_EQ(h.checks_size(), 1);
  EXPECT_EQ(h.checks(0).severity(), "ERR");
  EXPECT_EQ(h.checks(0).summary(), "1 files have segments with fewer than k live shards (2 segments)");
  EXPECT_EQ(h.score(), 80u);
  // One spare is all a 6+1 segment ever has: not at risk. Every shard live: no check.
  const v1::DurabilityMargin full =
      DurabilityFromSeries({Bucket("1", "1", 4), Bucket("1", "0", 0), Bucket("2", "2", 3)}, {}, {});
  EXPECT_EQ(BuildHealth({}, {}, {}, full).checks_size(), 0);
  EXPECT_EQ(BuildHealth({}, {}, {}, full).status(), "ok");
}

// Just after monitoring starts nothing is scraped yet: that is unknown, never "down".
TEST(HealthReport, InstancesNotScrapedYetAreAWarningNotAnOutage) {
  const v1::GetHealthResponse h = BuildHealth(
      {{"auth", "a1", false, false}, {"dht", "d1", false, false}, {"dht", "d2", true, true}},
      {}, {}, {});
  EXPECT_EQ(h.status(), "degraded");
  EXPECT_EQ(h.score(), 95u);
  ASSERT_EQ(h.checks_size(), 1);
  EXPECT_EQ(h.checks(0).id(), "AWAITING_FIRST_SCRAPE");
  EXPECT_EQ(h.checks(0).severity(), "WARN");
  EXPECT_NE(h.checks(0).detail().find("auth/a1"), std::string::npos);
  EXPECT_EQ(h.services(0).healthy(), 0u);
  EXPECT_EQ(h.services(1).healthy(), 1u);
  // One scraped and down next to one not scraped: some instances down, not the service.
  const v1::GetHealthResponse mixed =
      BuildHealth({{"auth", "a1", false, true}, {"auth", "a2", false, false}}, {}, {}, {});
  EXPECT_EQ(mixed.status(), "degraded");
  EXPECT_EQ(mixed.checks(0).id(), "INSTANCES_DOWN");
}

TEST(HealthReport, ChecksComeFromTargetsNodesAndFiringAlerts) {
  const v1::GetHealthResponse h = BuildHealth(
      {{"auth", "a1", true}, {"auth", "a2", false}, {"chunk-store", "chunk-store-5", false}},
      {{"n1", "h:1", "z", 10, 1, false}, {"n2", "h:2", "z", 10, 1, true}}, {Firing("critical")},
      {});
  EXPECT_EQ(h.status(), "down") << "chunk-store has no answering instance";
  std::vector<std::string> ids;
  for (const v1::HealthCheck& c : h.checks()) ids.push_back(c.id() + ":" + c.severity());
  EXPECT_EQ(ids, (std::vector<std::string>{"SERVICE_DOWN:ERR", "NODES_DOWN:ERR",
                                           "DataMeshChunkStoreDown:ERR", "INSTANCES_DOWN:WARN"}));
  EXPECT_EQ(h.score(), 100u - 3 * 20 - 5);
  const v1::HealthCheck& alert = h.checks(2);
  EXPECT_EQ(alert.summary(), "Chunk store chunk-store-5 is down");
  EXPECT_EQ(alert.remediation(), "Restart the node.");
  EXPECT_NE(alert.detail().find("instance=chunk-store-5"), std::string::npos) << alert.detail();
  EXPECT_EQ(h.nodes(0).state(), "down");
}

TEST(HealthReport, AWarningIsDegradedAndPendingAlertsDoNotCount) {
  alerts::GroupSnapshot g = Firing("warning");
  const v1::GetHealthResponse h = BuildHealth({{"auth", "a1", true}}, {}, {g}, {});
  EXPECT_EQ(h.status(), "degraded");
  ASSERT_EQ(h.checks_size(), 1);
  EXPECT_EQ(h.checks(0).severity(), "WARN");
  g.rules[0].alerts.erase(g.rules[0].alerts.begin());  // only the pending one left
  EXPECT_EQ(BuildHealth({{"auth", "a1", true}}, {}, {g}, {}).status(), "ok");
}

}  // namespace
}  // namespace datamesh::monitoring::health
