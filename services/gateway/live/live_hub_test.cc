// LiveHub with fake sessions: who receives what, the slow-consumer rule, revocation, metrics.
#include "services/gateway/live/live_hub.h"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "prometheus/registry.h"

namespace datamesh::gateway::live {
namespace {

using events::v1::Event;

// Records what the hub does to it; its queue fills only when the test says the client stalls.
class FakeSession : public http::WebSocketSession {
 public:
  bool Send(std::string text) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!open_) return false;
    if (stalled_) {
      queued_bytes_ += text.size();
      ++queued_messages_;
    }
    sent_.push_back(std::move(text));
    return true;
  }
  void Close(uint16_t code, std::string_view) override {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
    close_codes_.push_back(code);
  }
  void Ping() override {}
  bool is_open() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return open_;
  }
  bool dropped() const override { return false; }
  size_t queued_bytes() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return queued_bytes_;
  }
  size_t queued_messages() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return queued_messages_;
  }
  std::string_view request_id() const override { return "req"; }

  void Stall() {
    std::lock_guard<std::mutex> lock(mu_);
    stalled_ = true;
  }
  std::vector<std::string> sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }
  std::vector<uint16_t> close_codes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return close_codes_;
  }

 private:
  mutable std::mutex mu_;
  bool open_ = true;
  bool stalled_ = false;
  size_t queued_bytes_ = 0;
  size_t queued_messages_ = 0;
  std::vector<std::string> sent_;
  std::vector<uint16_t> close_codes_;
};

Event Stored(const std::string& owner, const std::string& file_id) {
  Event e;
  e.set_type("file.stored");
  e.set_subject_user(owner);
  e.mutable_file_stored()->set_file_id(file_id);
  return e;
}

Event NodeDown() {
  Event e;
  e.set_type("node.down");
  e.mutable_node_down()->set_node_id("n1");
  return e;
}

Event Vote() {
  Event e;
  e.set_type("governance.vote.cast");
  e.mutable_vote_cast()->set_proposal_id("p1");
  return e;
}

bool Contains(const std::vector<std::string>& frames, const std::string& needle) {
  for (const std::string& f : frames) {
    if (f.find(needle) != std::string::npos) return true;
  }
  return false;
}

class LiveHubTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeSession> Open(LiveHub& hub, Viewer viewer, std::string token_hash = "") {
    auto s = std::make_shared<FakeSession>();
    hub.Attach(s, std::move(viewer), std::move(token_hash));
    return s;
  }
};

TEST_F(LiveHubTest, EachViewerGetsOnlyWhatConcernsThem) {
  LiveHub hub({}, nullptr);
  auto a = Open(hub, {"user-a", false});
  auto b = Open(hub, {"user-b", false});
  auto admin = Open(hub, {"admin-1", true});

  hub.Publish(Stored("user-a", "file-of-a"));
  hub.Publish(NodeDown());
  hub.Publish(Vote());

  EXPECT_EQ(a->sent().size(), 2u);
  EXPECT_TRUE(Contains(a->sent(), "file-of-a"));
  EXPECT_TRUE(Contains(a->sent(), "governance:vote:cast"));
  EXPECT_FALSE(Contains(a->sent(), "system:peer:disconnected"));

  EXPECT_EQ(b->sent().size(), 1u);
  EXPECT_TRUE(Contains(b->sent(), "governance:vote:cast"));

  EXPECT_EQ(admin->sent().size(), 2u);
  EXPECT_TRUE(Contains(admin->sent(), "system:peer:disconnected"));
  EXPECT_TRUE(Contains(admin->sent(), "governance:vote:cast"));
  EXPECT_FALSE(Contains(admin->sent(), "file-of-a"));

  EXPECT_EQ(hub.stats().frames_sent, 5u);
  EXPECT_EQ(hub.stats().sessions_open, 3u);
}

TEST_F(LiveHubTest, DetachedSessionsGetNothing) {
  LiveHub hub({}, nullptr);
  auto a = Open(hub, {"user-a", false});
  hub.Detach(a.get());
  hub.Detach(a.get());  // twice is harmless
  hub.Publish(Vote());
  EXPECT_TRUE(a->sent().empty());
  EXPECT_EQ(hub.stats().sessions_open, 0u);
}

TEST(OverQueueLimit, CountsFramesAndBytes) {
  const HubOptions o{.max_queued_frames = 4, .max_queued_bytes = 100};
  EXPECT_FALSE(OverQueueLimit(0, 0, 100, o));
  EXPECT_TRUE(OverQueueLimit(0, 0, 101, o));
  EXPECT_FALSE(OverQueueLimit(3, 90, 10, o));
  EXPECT_TRUE(OverQueueLimit(3, 90, 11, o));
  EXPECT_TRUE(OverQueueLimit(4, 0, 1, o));
}

TEST_F(LiveHubTest, ASlowConsumerIsClosedWith1013AndTheOthersCarryOn) {
  prometheus::Registry registry;
  LiveHub hub({.max_queued_frames = 3, .max_queued_bytes = 1 << 20}, &registry);
  auto slow = Open(hub, {"user-s", false});
  auto fast = Open(hub, {"user-f", false});
  slow->Stall();

  for (int i = 0; i < 10; ++i) hub.Publish(Vote());

  EXPECT_EQ(slow->sent().size(), 3u);  // the queue limit, then nothing more
  EXPECT_EQ(slow->close_codes(), std::vector<uint16_t>{kCloseTryAgainLater});
  EXPECT_EQ(fast->sent().size(), 10u);
  EXPECT_TRUE(fast->close_codes().empty());
  const LiveHub::Stats stats = hub.stats();
  EXPECT_EQ(stats.dropped_slow, 1u);
  EXPECT_EQ(stats.sessions_open, 1u);
  EXPECT_EQ(stats.frames_sent, 13u);

  // The hub let go of the dropped session; the server's on_close then detaches nothing.
  hub.Detach(slow.get());
  EXPECT_EQ(hub.stats().dropped_slow, 1u);

  double dropped = -1, open = -1, sent = -1;
  for (const auto& family : registry.Collect()) {
    if (family.name == "datamesh_gateway_ws_slow_consumers_dropped_total") {
      dropped = family.metric.at(0).counter.value;
    } else if (family.name == "datamesh_gateway_ws_sessions_open") {
      open = family.metric.at(0).gauge.value;
    } else if (family.name == "datamesh_gateway_ws_frames_sent_total") {
      sent = family.metric.at(0).counter.value;
    }
  }
  EXPECT_EQ(dropped, 1);
  EXPECT_EQ(open, 1);
  EXPECT_EQ(sent, 13);
}

TEST_F(LiveHubTest, TheByteLimitAppliesToo) {
  LiveHub hub({.max_queued_frames = 1000, .max_queued_bytes = 300}, nullptr);
  auto slow = Open(hub, {"user-s", false});
  slow->Stall();
  const size_t frame_size = ToFeedFrame(Vote())->text.size();
  ASSERT_LT(frame_size, 300u);
  for (int i = 0; i < 20; ++i) hub.Publish(Vote());
  EXPECT_EQ(slow->sent().size(), 300 / frame_size);
  EXPECT_EQ(slow->close_codes(), std::vector<uint16_t>{kCloseTryAgainLater});
}

TEST_F(LiveHubTest, RevocationClosesSessionsOfThatCredentialOnly) {
  LiveHub hub({}, nullptr);
  auto first = Open(hub, {"user-a", false}, "hash-1");
  auto second = Open(hub, {"user-a", false}, "hash-2");
  hub.Revoke("hash-1");
  hub.Revoke("");  // matches nothing, even sessions without a hash
  EXPECT_EQ(first->close_codes(), std::vector<uint16_t>{kClosePolicyViolation});
  EXPECT_TRUE(second->close_codes().empty());
  hub.Publish(Vote());
  EXPECT_TRUE(first->sent().empty());
  EXPECT_EQ(second->sent().size(), 1u);
  EXPECT_EQ(hub.stats().closed_revoked, 1u);
}

TEST_F(LiveHubTest, ARoleChangeClosesSessionsWhoseViewNoLongerFits) {
  LiveHub hub({}, nullptr);
  auto demoted = Open(hub, {"admin-1", true});
  auto other_admin = Open(hub, {"admin-2", true});
  auto user = Open(hub, {"user-a", false});
  hub.RoleChanged("admin-1", false);
  hub.RoleChanged("user-a", false);  // unchanged role: the session stays
  EXPECT_EQ(demoted->close_codes(), std::vector<uint16_t>{kClosePolicyViolation});
  EXPECT_TRUE(other_admin->close_codes().empty());
  EXPECT_TRUE(user->close_codes().empty());
  hub.Publish(NodeDown());
  EXPECT_TRUE(demoted->sent().empty());
  EXPECT_EQ(other_admin->sent().size(), 1u);
}

}  // namespace
}  // namespace datamesh::gateway::live
