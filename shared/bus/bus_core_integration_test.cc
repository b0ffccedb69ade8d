// Bus against a real nats-server: connection, core publish/subscribe, queue groups,
// request/reply, malformed payloads, drain and reconnection.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "shared/bus/bus.h"
#include "shared/bus/bus_test_util.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::bus {
namespace {

using ::datamesh::bus::testing::Eventually;
using ::datamesh::bus::testing::Inbox;
using ::datamesh::testing::RunCommand;
using ::datamesh::testing::StatusIs;
using ::datamesh::testing::TestStack;

class BusCoreTest : public ::datamesh::testing::WithTestStack {
 protected:
  static std::unique_ptr<Bus> MustConnect(const std::string& name,
                                          std::function<void(std::string_view)> on_state = {}) {
    BusOptions options;
    options.url = stack_->nats_url();
    options.client_name = name;
    options.on_state_change = std::move(on_state);
    auto bus = Bus::Connect(options);
    EXPECT_OK(bus);
    return bus.ok() ? std::move(*bus) : nullptr;
  }
};

// A loopback port nothing listens on (bound, then released).
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST_F(BusCoreTest, ConnectReportsUnavailableWhenNoServerListens) {
  BusOptions options;
  options.url = absl::StrCat("nats://127.0.0.1:", UnusedPort());
  options.connect_timeout = absl::Seconds(1);
  EXPECT_THAT(Bus::Connect(options), StatusIs(absl::StatusCode::kUnavailable));
  options.url = " , ";
  EXPECT_THAT(Bus::Connect(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(BusCoreTest, ConnectAcceptsAListOfUrls) {
  BusOptions options;
  options.url = absl::StrCat("nats://127.0.0.1:", UnusedPort(), ", ", stack_->nats_url());
  auto bus = Bus::Connect(options);
  ASSERT_OK(bus);
  EXPECT_TRUE((*bus)->IsConnected());
}

TEST_F(BusCoreTest, PublishedEventReachesSubscriberOnAnotherConnection) {
  auto subscriber = MustConnect("test/sub");
  auto publisher = MustConnect("test/pub");
  Inbox<events::v1::Event> inbox;
  auto sub = subscriber->SubscribeEvents(SubjectFor("roundtrip.beat"), "",
                                         [&](const events::v1::Event& e) { inbox.Add(e); });
  ASSERT_OK(sub);

  events::v1::Event event = NewEvent("roundtrip.beat", "test/pub");
  event.set_subject_user("user-1");
  event.mutable_service_heartbeat()->set_service("auth");
  ASSERT_OK(publisher->PublishEvent(event));

  ASSERT_TRUE(inbox.WaitFor(1));
  events::v1::Event got = inbox.Items()[0];
  EXPECT_EQ(got.id(), event.id());
  EXPECT_EQ(got.type(), "roundtrip.beat");
  EXPECT_EQ(got.subject_user(), "user-1");
  EXPECT_EQ(got.service_heartbeat().service(), "auth");
  EXPECT_EQ(EventTime(got), EventTime(event));
}

TEST_F(BusCoreTest, WildcardSubscriptionSeesOnlyMatchingSubjects) {
  auto bus = MustConnect("test/wild");
  Inbox<std::string> types;
  auto sub = bus->SubscribeEvents("dm.v1.wild.>", "",
                                  [&](const events::v1::Event& e) { types.Add(e.type()); });
  ASSERT_OK(sub);
  // Same connection, same subscription: had "wildish.x" matched, it would arrive first.
  ASSERT_OK(bus->PublishEvent(NewEvent("wildish.x", "t")));
  ASSERT_OK(bus->PublishEvent(NewEvent("wild.a", "t")));
  ASSERT_OK(bus->PublishEvent(NewEvent("wild.b.c", "t")));
  ASSERT_TRUE(types.WaitFor(2));
  EXPECT_EQ(types.Items(), (std::vector<std::string>{"wild.a", "wild.b.c"}));
}

TEST_F(BusCoreTest, QueueGroupHandsEachEventToOneMemberWhileFanOutSeesAll) {
  auto a = MustConnect("test/a");
  auto b = MustConnect("test/b");
  auto publisher = MustConnect("test/pub");
  Inbox<std::string> in_a, in_b, in_all;
  const std::string subject = SubjectFor("queue.work");
  auto sub_a = a->SubscribeEvents(subject, "workers", [&](const auto& e) { in_a.Add(e.id()); });
  auto sub_b = b->SubscribeEvents(subject, "workers", [&](const auto& e) { in_b.Add(e.id()); });
  auto sub_all = b->SubscribeEvents(subject, "", [&](const auto& e) { in_all.Add(e.id()); });
  ASSERT_OK(sub_a);
  ASSERT_OK(sub_b);
  ASSERT_OK(sub_all);

  constexpr int kEvents = 100;
  for (int i = 0; i < kEvents; ++i) ASSERT_OK(publisher->PublishEvent(NewEvent("queue.work", "t")));
  ASSERT_TRUE(in_all.WaitFor(kEvents));
  ASSERT_TRUE(Eventually([&] { return in_a.size() + in_b.size() >= kEvents; }));

  const std::vector<std::string> all_ids = in_all.Items();
  const std::set<std::string> all(all_ids.begin(), all_ids.end());
  std::multiset<std::string> split;
  for (const auto& id : in_a.Items()) split.insert(id);
  for (const auto& id : in_b.Items()) split.insert(id);
  EXPECT_EQ(split.size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(std::set<std::string>(split.begin(), split.end()), all);
  // Random assignment of 100 events: both members getting some is all but certain.
  EXPECT_GT(in_a.size(), 0u);
  EXPECT_GT(in_b.size(), 0u);
}

TEST_F(BusCoreTest, RequestGetsTheResponderReply) {
  auto server = MustConnect("test/responder");
  auto client = MustConnect("test/client");
  Bus* server_bus = server.get();
  auto sub = server->Subscribe("test.echo", "echo", [server_bus](const Message& m) {
    (void)server_bus->Publish(
        m.reply_to, absl::StrCat("echo:", absl::string_view(m.data.data(), m.data.size())));
  });
  ASSERT_OK(sub);
  auto reply = client->Request("test.echo", "hi", absl::Seconds(5));
  ASSERT_OK(reply);
  EXPECT_EQ(*reply, "echo:hi");
}

TEST_F(BusCoreTest, RequestWithoutResponderIsUnavailableAndSilentResponderTimesOut) {
  auto bus = MustConnect("test/client");
  EXPECT_THAT(bus->Request("test.nobody", "x", absl::Seconds(5)),
              StatusIs(absl::StatusCode::kUnavailable));
  auto sub = bus->Subscribe("test.silent", "", [](const Message&) {});
  ASSERT_OK(sub);
  EXPECT_THAT(bus->Request("test.silent", "x", absl::Milliseconds(200)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_F(BusCoreTest, MalformedPayloadsAreCountedAndDropped) {
  auto bus = MustConnect("test/malformed");
  Inbox<std::string> ids;
  const std::string subject = SubjectFor("malformed.x");
  auto sub = bus->SubscribeEvents(subject, "", [&](const auto& e) { ids.Add(e.id()); });
  ASSERT_OK(sub);
  ASSERT_OK(bus->Publish(subject, std::string("\xff\xff\xff\xff", 4)));
  ASSERT_OK(bus->Publish(subject, ""));
  events::v1::Event good = NewEvent("malformed.x", "t");
  ASSERT_OK(bus->PublishEvent(good));
  ASSERT_TRUE(ids.WaitFor(1));
  EXPECT_EQ(ids.Items(), std::vector<std::string>{good.id()});
  EXPECT_EQ(bus->Stats().malformed_dropped, 2u);
}

TEST_F(BusCoreTest, PublishEventRejectsUnusableEnvelopes) {
  auto bus = MustConnect("test/bad");
  EXPECT_THAT(bus->PublishEvent(NewEvent("file.*", "t")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  events::v1::Event no_id = NewEvent("file.stored", "t");
  no_id.clear_id();
  EXPECT_THAT(bus->PublishEvent(no_id), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(BusCoreTest, DestroyedSubscriptionReceivesNothingMore) {
  auto bus = MustConnect("test/unsub");
  const std::string subject = SubjectFor("unsub.x");
  Inbox<std::string> first, probe;
  auto sub = bus->SubscribeEvents(subject, "", [&](const auto& e) { first.Add(e.id()); });
  auto probe_sub = bus->SubscribeEvents(subject, "", [&](const auto& e) { probe.Add(e.id()); });
  ASSERT_OK(sub);
  ASSERT_OK(probe_sub);
  ASSERT_OK(bus->PublishEvent(NewEvent("unsub.x", "t")));
  ASSERT_TRUE(first.WaitFor(1));
  sub->reset();
  ASSERT_OK(bus->PublishEvent(NewEvent("unsub.x", "t")));
  ASSERT_TRUE(probe.WaitFor(2));
  EXPECT_EQ(first.size(), 1u);
}

TEST_F(BusCoreTest, DrainClosesAndLaterCallsFail) {
  auto bus = MustConnect("test/drain");
  Inbox<std::string> ids;
  auto sub =
      bus->SubscribeEvents(SubjectFor("drain.x"), "", [&](const auto& e) { ids.Add(e.id()); });
  ASSERT_OK(sub);
  ASSERT_OK(bus->PublishEvent(NewEvent("drain.x", "t")));
  ASSERT_OK(bus->Drain(absl::Seconds(5)));
  EXPECT_EQ(ids.size(), 1u);  // drained: the queued event was still handled
  EXPECT_FALSE(bus->IsConnected());
  EXPECT_THAT(bus->PublishEvent(NewEvent("drain.x", "t")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(bus->SubscribeEvents(SubjectFor("drain.x"), "", [](const auto&) {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_OK(bus->Drain(absl::Seconds(1)));
  sub->reset();  // after the connection closed: must not hang
}

std::string ReadPid(const std::string& path) {
  std::ifstream in(path);
  std::string pid;
  in >> pid;
  return pid;
}

// Runs last in this binary: it restarts the shared nats-server.
TEST_F(BusCoreTest, ReconnectsAfterServerRestartAndKeepsSubscriptions) {
  Inbox<std::string> states;
  auto bus = MustConnect("test/reconnect", [&](std::string_view s) { states.Add(std::string(s)); });
  Inbox<std::string> ids;
  auto sub =
      bus->SubscribeEvents(SubjectFor("reconnect.x"), "", [&](const auto& e) { ids.Add(e.id()); });
  ASSERT_OK(sub);

  const std::string pid_file = stack_->dir() + "/pids/nats.pid";
  const std::string pid = ReadPid(pid_file);
  ASSERT_FALSE(pid.empty());
  ASSERT_OK(RunCommand(absl::StrCat("kill ", pid, "; for i in $(seq 1 200); do kill -0 ", pid,
                                    " 2>/dev/null || exit 0; sleep 0.05; done; exit 1")));
  ASSERT_TRUE(states.WaitFor(1));
  EXPECT_EQ(states.Items()[0], "disconnected");
  EXPECT_FALSE(bus->IsConnected());

  // The config names the same port, store and pid file, so TestStack stops this one too.
  ASSERT_OK(
      RunCommand(absl::StrCat("setsid nats-server -c '", stack_->dir(), "/nats/nats.conf' >> '",
                              stack_->dir(), "/logs/nats.log' 2>&1 < /dev/null &")));
  ASSERT_TRUE(states.WaitFor(2));
  EXPECT_EQ(states.Items()[1].rfind("reconnected", 0), 0u) << states.Items()[1];
  EXPECT_TRUE(bus->IsConnected());
  EXPECT_EQ(bus->Stats().disconnects, 1u);
  EXPECT_EQ(bus->Stats().reconnects, 1u);

  auto other = MustConnect("test/after-restart");
  events::v1::Event event = NewEvent("reconnect.x", "t");
  ASSERT_OK(other->PublishEvent(event));
  ASSERT_TRUE(ids.WaitFor(1));
  EXPECT_EQ(ids.Items()[0], event.id());

  bus.reset();  // reports "closed" before the destructor returns
  EXPECT_EQ(states.Items().back(), "closed");
}

}  // namespace
}  // namespace datamesh::bus
