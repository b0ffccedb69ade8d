#include "services/monitoring/scrape/target_directory.h"

#include <gtest/gtest.h>

namespace datamesh::monitoring::scrape {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

events::v1::ServiceHeartbeat Beat(const std::string& service, const std::string& instance,
                                  const std::string& address, bool serving = true) {
  events::v1::ServiceHeartbeat b;
  b.set_service(service);
  b.set_instance_id(instance);
  b.set_metrics_address(address);
  b.set_serving(serving);
  return b;
}

TEST(TargetDirectory, EveryInstanceHeardFromIsATarget) {
  TargetDirectory d("monitoring", absl::Seconds(15));
  EXPECT_TRUE(d.OnHeartbeat(Beat("dht", "d1", "127.0.0.1:9105"), kT0));
  EXPECT_TRUE(d.OnHeartbeat(Beat("auth", "a1", "127.0.0.1:9101", false), kT0));
  EXPECT_FALSE(d.OnHeartbeat(Beat("auth", "", "127.0.0.1:9101"), kT0));
  EXPECT_FALSE(d.OnHeartbeat(Beat("auth", "a2", ""), kT0));
  const std::vector<Target> targets = d.Targets();
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0], (Target{"auth", "a1", "127.0.0.1:9101"}));  // not serving: still scraped
  EXPECT_EQ(targets[1].key(), "dht/d1");
}

TEST(TargetDirectory, ASilentTargetIsDroppedOnceAfterTheExpiry) {
  TargetDirectory d("monitoring", absl::Seconds(15));
  d.OnHeartbeat(Beat("dht", "d1", "h:1"), kT0);
  d.OnHeartbeat(Beat("auth", "a1", "h:2"), kT0);
  d.OnHeartbeat(Beat("auth", "a1", "h:2"), kT0 + absl::Seconds(10));
  EXPECT_TRUE(d.Expire(kT0 + absl::Seconds(15)).empty());
  const std::vector<Target> dropped = d.Expire(kT0 + absl::Seconds(16));
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].key(), "dht/d1");
  EXPECT_TRUE(d.Expire(kT0 + absl::Seconds(17)).empty());
  EXPECT_EQ(d.Targets().size(), 1u);
}

TEST(TargetDirectory, AnInstanceBackOnAnotherPortIsScrapedThere) {
  TargetDirectory d("monitoring", absl::Seconds(15));
  d.OnHeartbeat(Beat("chunk-store", "c1", "h:1"), kT0);
  d.OnHeartbeat(Beat("chunk-store", "c1", "h:7"), kT0 + absl::Seconds(1));
  // A heartbeat delayed in transit changes nothing.
  d.OnHeartbeat(Beat("chunk-store", "c1", "h:1"), kT0);
  ASSERT_EQ(d.Targets().size(), 1u);
  EXPECT_EQ(d.Targets()[0].metrics_address, "h:7");
}

TEST(TargetDirectory, LiveReplicasAreServingMonitoringInstancesHeardRecently) {
  TargetDirectory d("monitoring", absl::Seconds(15));
  d.OnHeartbeat(Beat("monitoring", "m2", "h:1"), kT0);
  d.OnHeartbeat(Beat("monitoring", "m1", "h:2"), kT0 + absl::Seconds(5));
  d.OnHeartbeat(Beat("monitoring", "m3", "h:3", /*serving=*/false), kT0 + absl::Seconds(5));
  d.OnHeartbeat(Beat("dht", "m4", "h:4"), kT0 + absl::Seconds(5));
  EXPECT_EQ(d.LiveReplicas(kT0 + absl::Seconds(10)), (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(d.LiveReplicas(kT0 + absl::Seconds(16)), (std::vector<std::string>{"m1"}));
}

}  // namespace
}  // namespace datamesh::monitoring::scrape
