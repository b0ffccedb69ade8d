#include "services/monitoring/health/health_report.h"

#include <gtest/gtest.h>

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
                  {{"n1", "h:1", "z", 10, 1, true}}, {});
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

// Just after monitoring starts nothing is scraped yet: that is unknown, never "down".
TEST(HealthReport, InstancesNotScrapedYetAreAWarningNotAnOutage) {
  const v1::GetHealthResponse h = BuildHealth(
      {{"auth", "a1", false, false}, {"dht", "d1", false, false}, {"dht", "d2", true, true}},
      {}, {});
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
      BuildHealth({{"auth", "a1", false, true}, {"auth", "a2", false, false}}, {}, {});
  EXPECT_EQ(mixed.status(), "degraded");
  EXPECT_EQ(mixed.checks(0).id(), "INSTANCES_DOWN");
}

TEST(HealthReport, ChecksComeFromTargetsNodesAndFiringAlerts) {
  const v1::GetHealthResponse h = BuildHealth(
      {{"auth", "a1", true}, {"auth", "a2", false}, {"chunk-store", "chunk-store-5", false}},
      {{"n1", "h:1", "z", 10, 1, false}, {"n2", "h:2", "z", 10, 1, true}}, {Firing("critical")});
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
  const v1::GetHealthResponse h = BuildHealth({{"auth", "a1", true}}, {}, {g});
  EXPECT_EQ(h.status(), "degraded");
  ASSERT_EQ(h.checks_size(), 1);
  EXPECT_EQ(h.checks(0).severity(), "WARN");
  g.rules[0].alerts.erase(g.rules[0].alerts.begin());  // only the pending one left
  EXPECT_EQ(BuildHealth({{"auth", "a1", true}}, {}, {g}).status(), "ok");
}

}  // namespace
}  // namespace datamesh::monitoring::health
