// Bus against a real nats-server with JetStream: streams, de-duplicated durable publishes and
// durable pull consumers (ack, redelivery, resume, malformed payloads, drain).
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "absl/strings/str_cat.h"
#include "shared/bus/bus.h"
#include "shared/bus/bus_test_util.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::bus {
namespace {

using ::datamesh::bus::testing::Eventually;
using ::datamesh::bus::testing::Inbox;
using ::datamesh::testing::StatusIs;
using ::datamesh::testing::TestStack;

class BusJetStreamTest : public ::datamesh::testing::WithTestStack {
 protected:
  void SetUp() override {
    ASSERT_NE(stack_, nullptr) << "the test stack did not start";
    BusOptions options;
    options.url = stack_->nats_url();
    options.client_name = "test/jetstream";
    auto bus = Bus::Connect(options);
    ASSERT_OK(bus);
    bus_ = std::move(*bus);
  }

  // A stream of its own per test: "T_<domain>" capturing "dm.v1.<domain>.>".
  void MakeStream(const std::string& domain) {
    StreamConfig config;
    config.name = "T_" + domain;
    config.subjects = {absl::StrCat("dm.v1.", domain, ".>")};
    config.file_storage = false;
    ASSERT_OK(bus_->EnsureStream(config));
  }

  static ConsumerConfig FastConsumer(const std::string& domain, const std::string& durable) {
    ConsumerConfig config;
    config.stream = "T_" + domain;
    config.durable = durable;
    config.filter_subject = absl::StrCat("dm.v1.", domain, ".>");
    config.fetch_wait = absl::Milliseconds(200);
    config.nak_delay = absl::Milliseconds(50);
    return config;
  }

  // True once every event the stream holds is acknowledged by `durable`.
  bool AllAcked(const std::string& domain, const std::string& durable) {
    return Eventually([&] {
      auto stream = bus_->GetStreamState("T_" + domain);
      auto consumer = bus_->GetConsumerState("T_" + domain, durable);
      return stream.ok() && consumer.ok() &&
             consumer->ack_floor_stream_sequence == stream->last_sequence &&
             consumer->ack_pending == 0 && consumer->pending == 0;
    });
  }

  std::unique_ptr<Bus> bus_;
};

TEST_F(BusJetStreamTest, EnsureStreamIsIdempotentAndUpdatesChanges) {
  ASSERT_OK(bus_->EnsureStream(DurableEventsStream()));
  ASSERT_OK(bus_->EnsureStream(DurableEventsStream()));
  StreamConfig changed = DurableEventsStream();
  changed.max_age = absl::Hours(1);
  EXPECT_OK(bus_->EnsureStream(changed));
  EXPECT_OK(bus_->EnsureStream(DurableEventsStream()));
  EXPECT_OK(bus_->GetStreamState("DM_EVENTS"));
}

TEST_F(BusJetStreamTest, EnsureStreamRefusesSubjectsOfAnotherStream) {
  ASSERT_OK(bus_->EnsureStream(DurableEventsStream()));
  StreamConfig overlap;
  overlap.name = "T_OVERLAP";
  overlap.subjects = {"dm.v1.file.stored"};
  EXPECT_THAT(bus_->EnsureStream(overlap), StatusIs(absl::StatusCode::kFailedPrecondition));
  overlap.name = "bad.name";
  EXPECT_THAT(bus_->EnsureStream(overlap), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(BusJetStreamTest, PublishDurableStoresARepeatedEventOnce) {
  MakeStream("dedup");
  events::v1::Event event = NewEvent("dedup.thing", "t");
  ASSERT_OK(bus_->PublishDurable(event));
  ASSERT_OK(bus_->PublishDurable(event));  // a retry after a lost ack
  auto state = bus_->GetStreamState("T_dedup");
  ASSERT_OK(state);
  EXPECT_EQ(state->messages, 1u);
  EXPECT_EQ(bus_->Stats().duplicate_publishes, 1u);

  ASSERT_OK(bus_->PublishDurable(NewEvent("dedup.thing", "t")));
  state = bus_->GetStreamState("T_dedup");
  ASSERT_OK(state);
  EXPECT_EQ(state->messages, 2u);
}

TEST_F(BusJetStreamTest, PublishDurableWithoutAStreamFails) {
  EXPECT_THAT(bus_->PublishDurable(NewEvent("nostream.x", "t")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(bus_->GetStreamState("T_missing"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(bus_->ConsumeDurable(FastConsumer("missing", "c"),
                                   [](const auto&) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(BusJetStreamTest, DurableConsumerReceivesAndAcknowledges) {
  MakeStream("ack");
  std::vector<std::string> sent;
  for (int i = 0; i < 5; ++i) {
    events::v1::Event event = NewEvent("ack.x", "t");
    sent.push_back(event.id());
    ASSERT_OK(bus_->PublishDurable(event));
  }
  Inbox<std::string> got;
  auto consumer = bus_->ConsumeDurable(FastConsumer("ack", "acker"), [&](const auto& e) {
    got.Add(e.id());
    return absl::OkStatus();
  });
  ASSERT_OK(consumer);
  ASSERT_TRUE(got.WaitFor(5));
  EXPECT_EQ(got.Items(), sent);  // stream order
  EXPECT_TRUE(AllAcked("ack", "acker"));
}

TEST_F(BusJetStreamTest, FailedHandlerGetsTheEventAgain) {
  MakeStream("retry");
  events::v1::Event event = NewEvent("retry.x", "t");
  ASSERT_OK(bus_->PublishDurable(event));
  Inbox<std::string> attempts;
  auto consumer = bus_->ConsumeDurable(FastConsumer("retry", "retrier"), [&](const auto& e) {
    attempts.Add(e.id());
    return attempts.size() == 1 ? absl::UnavailableError("database down") : absl::OkStatus();
  });
  ASSERT_OK(consumer);
  ASSERT_TRUE(attempts.WaitFor(2));
  EXPECT_EQ(attempts.Items()[0], event.id());
  EXPECT_EQ(attempts.Items()[1], event.id());
  EXPECT_TRUE(AllAcked("retry", "retrier"));
  EXPECT_EQ(bus_->Stats().handler_failures, 1u);
  EXPECT_EQ(attempts.size(), 2u);  // acked the second time: no third delivery
}

TEST_F(BusJetStreamTest, RecreatedConsumerResumesAfterTheLastAcknowledgedEvent) {
  MakeStream("resume");
  std::set<std::string> old_ids;
  for (int i = 0; i < 3; ++i) {
    events::v1::Event event = NewEvent("resume.x", "t");
    old_ids.insert(event.id());
    ASSERT_OK(bus_->PublishDurable(event));
  }
  Inbox<std::string> first;
  auto consumer = bus_->ConsumeDurable(FastConsumer("resume", "resumer"), [&](const auto& e) {
    first.Add(e.id());
    return absl::OkStatus();
  });
  ASSERT_OK(consumer);
  ASSERT_TRUE(first.WaitFor(3));
  ASSERT_TRUE(AllAcked("resume", "resumer"));
  consumer->reset();

  std::vector<std::string> new_ids;
  for (int i = 0; i < 2; ++i) {
    events::v1::Event event = NewEvent("resume.x", "t");
    new_ids.push_back(event.id());
    ASSERT_OK(bus_->PublishDurable(event));
  }
  Inbox<std::string> second;
  auto again = bus_->ConsumeDurable(FastConsumer("resume", "resumer"), [&](const auto& e) {
    second.Add(e.id());
    return absl::OkStatus();
  });
  ASSERT_OK(again);
  ASSERT_TRUE(second.WaitFor(2));
  // Delivery follows stream order, so an old event coming back would have come first.
  EXPECT_EQ(second.Items(), new_ids);
  EXPECT_TRUE(AllAcked("resume", "resumer"));
  EXPECT_EQ(second.size(), 2u);
}

TEST_F(BusJetStreamTest, ReplicasSharingADurableSplitTheEvents) {
  MakeStream("shared");
  BusOptions options;
  options.url = stack_->nats_url();
  auto other = Bus::Connect(options);
  ASSERT_OK(other);
  Inbox<std::string> got;
  auto handler = [&](const events::v1::Event& e) {
    got.Add(e.id());
    return absl::OkStatus();
  };
  ConsumerConfig config = FastConsumer("shared", "sharers");
  config.batch_size = 1;
  auto c1 = bus_->ConsumeDurable(config, handler);
  auto c2 = (*other)->ConsumeDurable(config, handler);
  ASSERT_OK(c1);
  ASSERT_OK(c2);
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) ASSERT_OK(bus_->PublishDurable(NewEvent("shared.x", "t")));
  ASSERT_TRUE(got.WaitFor(kEvents));
  EXPECT_TRUE(AllAcked("shared", "sharers"));
  const std::vector<std::string> ids = got.Items();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(got.size(), static_cast<size_t>(kEvents));
}

TEST_F(BusJetStreamTest, MalformedDurablePayloadIsDroppedNotRedelivered) {
  MakeStream("junk");
  // A core publish on a captured subject is stored too, without any envelope check.
  ASSERT_OK(bus_->Publish("dm.v1.junk.x", std::string("\xff\xff\xff\xff", 4)));
  events::v1::Event good = NewEvent("junk.x", "t");
  ASSERT_OK(bus_->PublishDurable(good));
  Inbox<std::string> got;
  auto consumer = bus_->ConsumeDurable(FastConsumer("junk", "junker"), [&](const auto& e) {
    got.Add(e.id());
    return absl::OkStatus();
  });
  ASSERT_OK(consumer);
  ASSERT_TRUE(got.WaitFor(1));
  EXPECT_TRUE(AllAcked("junk", "junker"));
  EXPECT_EQ(got.Items(), std::vector<std::string>{good.id()});
  EXPECT_EQ(bus_->Stats().malformed_dropped, 1u);
}

TEST_F(BusJetStreamTest, DrainStopsConsumersAndRefusesNewOnes) {
  MakeStream("drain");
  std::atomic<int> handled{0};
  auto consumer = bus_->ConsumeDurable(FastConsumer("drain", "drainer"), [&](const auto&) {
    handled.fetch_add(1);
    return absl::OkStatus();
  });
  ASSERT_OK(consumer);
  ASSERT_OK(bus_->PublishDurable(NewEvent("drain.x", "t")));
  ASSERT_TRUE(Eventually([&] { return handled.load() == 1; }));
  ASSERT_OK(bus_->Drain(absl::Seconds(5)));
  EXPECT_THAT(bus_->ConsumeDurable(FastConsumer("drain", "drainer"),
                                   [](const auto&) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  consumer->reset();  // after the drain: returns at once
  EXPECT_EQ(handled.load(), 1);
}

TEST_F(BusJetStreamTest, ConsumeDurableRejectsBadConfigs) {
  MakeStream("cfg");
  auto ok = [](const auto&) { return absl::OkStatus(); };
  ConsumerConfig bad = FastConsumer("cfg", "has.dot");
  EXPECT_THAT(bus_->ConsumeDurable(bad, ok), StatusIs(absl::StatusCode::kInvalidArgument));
  bad = FastConsumer("cfg", "c");
  bad.batch_size = 0;
  EXPECT_THAT(bus_->ConsumeDurable(bad, ok), StatusIs(absl::StatusCode::kInvalidArgument));
  bad = FastConsumer("cfg", "c");
  bad.max_deliver = 0;
  EXPECT_THAT(bus_->ConsumeDurable(bad, ok), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace datamesh::bus
