// The event -> frame mapping and the visibility rule of the live feed.
#include "services/gateway/live/feed_frame.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <set>

namespace datamesh::gateway::live {
namespace {

using events::v1::Event;
using google::protobuf::util::TimeUtil;

google::protobuf::Struct ParseFrame(const FeedFrame& frame) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(frame.text, &s).ok()) << frame.text;
  return s;
}

std::string Str(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "<missing>" : it->second.string_value();
}

Event FileStoredEvent(const std::string& owner) {
  Event e;
  e.set_id("e-1");
  e.set_type("file.stored");
  e.set_subject_user(owner);
  *e.mutable_time() = TimeUtil::SecondsToTimestamp(1700000000);
  e.mutable_file_stored()->set_file_id("file-123");
  e.mutable_file_stored()->set_owner_id(owner);
  e.mutable_file_stored()->set_name("a/b.txt");
  e.mutable_file_stored()->set_size(42);
  e.mutable_file_stored()->set_upload_id("up-1");
  return e;
}

TEST(FeedFrame, FileStoredIsTheOwnersUploadComplete) {
  std::optional<FeedFrame> frame = ToFeedFrame(FileStoredEvent("user-a"));
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->type, "file:upload:complete");
  EXPECT_EQ(frame->audience, Audience::kOwner);
  EXPECT_EQ(frame->owner, "user-a");
  const google::protobuf::Struct json = ParseFrame(*frame);
  EXPECT_EQ(json.fields_size(), 3);
  EXPECT_EQ(Str(json, "type"), "file:upload:complete");
  EXPECT_EQ(Str(json, "time"), "2023-11-14T22:13:20Z");
  const google::protobuf::Struct& data = json.fields().at("data").struct_value();
  EXPECT_EQ(Str(data, "fileId"), "file-123");
  EXPECT_EQ(Str(data, "uploadId"), "up-1");
  EXPECT_EQ(Str(data, "size"), "42");  // uint64 is a JSON string in proto3 JSON
  // Zero values are printed, so clients need not guess defaults.
  EXPECT_EQ(Str(data, "storedBytes"), "0");
}

TEST(FeedFrame, AStoredMultipartPartIsNotAnUploadComplete) {
  Event part = FileStoredEvent("user-a");
  part.mutable_file_stored()->set_multipart_part(true);
  EXPECT_FALSE(ToFeedFrame(part).has_value());
}

TEST(FeedFrame, UploadProgressCarriesItsDurabilityToTheOwner) {
  Event e;
  e.set_type("upload.progress");
  e.set_subject_user("user-a");
  auto* p = e.mutable_upload_progress();
  p->set_upload_id("web-u1-1");
  p->set_bytes_received(20 << 20);
  p->set_shards_placed(30);
  p->set_shards_total(30);
  p->set_segments_durable(5);
  p->set_segments_total(5);
  p->set_shards_per_segment(6);
  p->set_segment_bytes(4 << 20);
  p->set_committed(true);
  std::optional<FeedFrame> frame = ToFeedFrame(e);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->type, "file:upload:progress");
  EXPECT_EQ(frame->owner, "user-a");
  const google::protobuf::Struct data = ParseFrame(*frame).fields().at("data").struct_value();
  EXPECT_EQ(Str(data, "uploadId"), "web-u1-1");
  EXPECT_EQ(Str(data, "shardsPlaced"), "30");
  EXPECT_EQ(Str(data, "shardsTotal"), "30");
  EXPECT_EQ(Str(data, "segmentsDurable"), "5");
  EXPECT_EQ(Str(data, "segmentsTotal"), "5");
  EXPECT_EQ(Str(data, "segmentBytes"), "4194304");
  EXPECT_EQ(data.fields().at("shardsPerSegment").number_value(), 6);  // uint32: a JSON number
  EXPECT_TRUE(data.fields().at("committed").bool_value());
}

TEST(FeedFrame, NodeDownIsAnAdminPeerDisconnected) {
  Event e;
  e.set_type("node.down");
  e.mutable_node_down()->set_node_id(std::string(64, 'a'));
  e.mutable_node_down()->set_reason("missed 3 heartbeats");
  std::optional<FeedFrame> frame = ToFeedFrame(e);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->type, "system:peer:disconnected");
  EXPECT_EQ(frame->audience, Audience::kAdmins);
  const google::protobuf::Struct data = ParseFrame(*frame).fields().at("data").struct_value();
  EXPECT_EQ(Str(data, "reason"), "missed 3 heartbeats");
  EXPECT_EQ(Str(ParseFrame(*frame), "time"), "1970-01-01T00:00:00Z");
}

TEST(FeedFrame, EveryRelayedTypeMapsToADistinctApiType) {
  // One event of each relayed type, built through reflection on the payload oneof.
  const auto* oneof = Event::descriptor()->FindOneofByName("payload");
  std::set<std::string> ws_types;
  for (const std::string& type : RelayedEventTypes()) {
    Event e;
    e.set_type(type);
    e.set_subject_user("user-a");
    bool set = false;
    for (int i = 0; i < oneof->field_count(); ++i) {
      const auto* field = oneof->field(i);
      // The payload comments name the type; the field names follow it (dots -> underscores,
      // without the "governance." prefix).
      std::string name = type;
      for (char& c : name) c = c == '.' ? '_' : c;
      if (field->name() == name || "governance_" + field->name() == name) {
        e.GetReflection()->MutableMessage(&e, field);
        set = true;
      }
    }
    ASSERT_TRUE(set) << type;
    std::optional<FeedFrame> frame = ToFeedFrame(e);
    ASSERT_TRUE(frame.has_value()) << type;
    ws_types.insert(frame->type);
  }
  EXPECT_EQ(
      ws_types,
      (std::set<std::string>{
          "file:upload:progress", "file:upload:complete", "file:download:progress",
          "monitoring:metrics:update", "monitoring:alert:triggered", "monitoring:health:status",
          "governance:proposal:created", "governance:vote:cast", "governance:proposal:executed",
          "system:peer:connected", "system:peer:disconnected", "system:network:status"}));
}

TEST(FeedFrame, DropsWhatItDoesNotRelay) {
  Event heartbeat;
  heartbeat.set_type("node.heartbeat");
  heartbeat.mutable_node_heartbeat()->set_node_id("n");
  EXPECT_FALSE(ToFeedFrame(heartbeat).has_value());

  Event mismatched;  // a node.down subject carrying another payload
  mismatched.set_type("node.down");
  mismatched.mutable_node_up()->set_node_id("n");
  EXPECT_FALSE(ToFeedFrame(mismatched).has_value());

  Event empty;
  empty.set_type("node.up");
  EXPECT_FALSE(ToFeedFrame(empty).has_value());

  Event unaddressed = FileStoredEvent("");
  EXPECT_FALSE(ToFeedFrame(unaddressed).has_value());

  Event login;
  login.set_type("auth.login");
  login.set_subject_user("user-a");
  login.mutable_auth_login()->set_user_id("user-a");
  EXPECT_FALSE(ToFeedFrame(login).has_value());
}

TEST(FeedFrame, VisibilityFollowsTheAudience) {
  const Viewer a{"user-a", false};
  const Viewer b{"user-b", false};
  const Viewer admin{"admin-1", true};
  const Viewer anonymous{"", false};

  FeedFrame own{.type = "file:upload:complete", .audience = Audience::kOwner, .owner = "user-a"};
  EXPECT_TRUE(Visible(own, a));
  EXPECT_FALSE(Visible(own, b));
  EXPECT_FALSE(Visible(own, admin));  // admins see their own file events only
  EXPECT_FALSE(Visible(own, anonymous));

  FeedFrame unowned{.type = "file:upload:complete", .audience = Audience::kOwner, .owner = ""};
  EXPECT_FALSE(Visible(unowned, anonymous));

  FeedFrame vote{.type = "governance:vote:cast", .audience = Audience::kEveryone};
  EXPECT_TRUE(Visible(vote, a));
  EXPECT_TRUE(Visible(vote, admin));

  FeedFrame alert{.type = "monitoring:alert:triggered", .audience = Audience::kAdmins};
  EXPECT_FALSE(Visible(alert, a));
  EXPECT_TRUE(Visible(alert, admin));
}

}  // namespace
}  // namespace datamesh::gateway::live
