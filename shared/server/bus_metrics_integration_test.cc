// BusMetrics against a real nats-server with JetStream: a durable consumer's lag and the Bus's
// counters reach the registry, and a consumer that stops loses its series.
#include "shared/server/bus_metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>

#include "absl/synchronization/notification.h"
#include "prometheus/registry.h"
#include "shared/bus/bus_test_util.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::server {
namespace {

using ::datamesh::bus::testing::Eventually;

// The value of series `name` whose labels include {stream, consumer}; nullopt when absent.
std::optional<double> Sample(prometheus::Registry& registry, const std::string& name,
                             const std::string& consumer = "") {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& m : family.metric) {
      bool match = consumer.empty();
      for (const prometheus::ClientMetric::Label& l : m.label) {
        if (l.name == "consumer" && l.value == consumer) match = true;
      }
      if (!match) continue;
      return family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return std::nullopt;
}

class BusMetricsTest : public ::datamesh::testing::WithTestStack {
 protected:
  void SetUp() override {
    ASSERT_NE(stack_, nullptr) << "the test stack did not start";
    bus::BusOptions options;
    options.url = stack_->nats_url();
    options.client_name = "test/bus-metrics";
    auto connected = bus::Bus::Connect(options);
    ASSERT_OK(connected);
    bus_ = std::move(*connected);
    bus::StreamConfig stream;
    stream.name = "T_lag";
    stream.subjects = {"dm.v1.lag.>"};
    stream.file_storage = false;
    ASSERT_OK(bus_->EnsureStream(stream));
  }

  std::unique_ptr<bus::Bus> bus_;
};

TEST_F(BusMetricsTest, ReportsAConsumersLagAndForgetsItWhenItStops) {
  for (int i = 0; i < 3; ++i) ASSERT_OK(bus_->PublishDurable(bus::NewEvent("lag.x", "t")));
  // The first event holds the handler until released, then fails once (a redelivery).
  absl::Notification release;
  std::atomic<int> calls{0};
  bus::ConsumerConfig config;
  config.stream = "T_lag";
  config.durable = "lagger";
  config.filter_subject = "dm.v1.lag.>";
  config.batch_size = 1;
  config.fetch_wait = absl::Milliseconds(200);
  config.nak_delay = absl::Milliseconds(50);
  auto consumer = bus_->ConsumeDurable(config, [&](const events::v1::Event&) {
    if (calls.fetch_add(1) == 0) {
      release.WaitForNotification();
      return absl::UnavailableError("database down");
    }
    return absl::OkStatus();
  });
  ASSERT_OK(consumer);

  prometheus::Registry registry;
  BusMetrics metrics(*bus_, registry, absl::Hours(1));  // refreshed by hand below
  ASSERT_TRUE(Eventually([&] { return calls.load() == 1; }));
  metrics.Refresh();
  EXPECT_EQ(Sample(registry, "datamesh_bus_consumer_ack_pending", "lagger"), 1.0);
  EXPECT_EQ(Sample(registry, "datamesh_bus_consumer_pending", "lagger"), 2.0);

  release.Notify();
  ASSERT_TRUE(Eventually([&] {
    metrics.Refresh();
    return Sample(registry, "datamesh_bus_consumer_pending", "lagger") == 0.0 &&
           Sample(registry, "datamesh_bus_consumer_ack_pending", "lagger") == 0.0;
  }));
  EXPECT_EQ(Sample(registry, "datamesh_bus_handler_failures_total"), 1.0);
  EXPECT_EQ(calls.load(), 4);  // three events, the first one twice

  consumer->reset();
  metrics.Refresh();
  EXPECT_EQ(Sample(registry, "datamesh_bus_consumer_pending", "lagger"), std::nullopt);
  EXPECT_EQ(Sample(registry, "datamesh_bus_consumer_ack_pending", "lagger"), std::nullopt);
}

}  // namespace
}  // namespace datamesh::server
