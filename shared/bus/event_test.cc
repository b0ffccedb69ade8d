#include "shared/bus/event.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "shared/bus/jetstream_config.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::bus {
namespace {

using ::datamesh::testing::StatusIs;

TEST(SubjectFor, PrefixesTheEventTypeWithTheVersionedNamespace) {
  EXPECT_EQ(SubjectFor("file.stored"), "dm.v1.file.stored");
  EXPECT_EQ(SubjectFor("governance.proposal.executed"), "dm.v1.governance.proposal.executed");
}

TEST(ValidateEventType, AcceptsDottedTokens) {
  EXPECT_OK(ValidateEventType("node.heartbeat"));
  EXPECT_OK(ValidateEventType("governance.proposal.created"));
}

TEST(ValidateEventType, RejectsWildcardsSpacesAndEmptyTokens) {
  for (const char* bad :
       {"", "file.*", "file.>", "file stored", "file..stored", ".file", "file.", "file\tstored"}) {
    EXPECT_THAT(ValidateEventType(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(NewUuidV4, HasTheCanonicalVersion4Form) {
  const std::regex kUuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 100; ++i) {
    std::string id = NewUuidV4();
    EXPECT_TRUE(std::regex_match(id, kUuidV4)) << id;
  }
}

TEST(NewUuidV4, DoesNotRepeat) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(NewUuidV4());
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(NewEvent, FillsIdTypeSourceAndCurrentTime) {
  const absl::Time before = absl::Now();
  events::v1::Event event = NewEvent("file.stored", "file-ingest/abc");
  const absl::Time after = absl::Now();
  EXPECT_EQ(event.id().size(), 36u);
  EXPECT_EQ(event.id()[14], '4');
  EXPECT_EQ(event.type(), "file.stored");
  EXPECT_EQ(event.source(), "file-ingest/abc");
  EXPECT_TRUE(event.has_time());
  EXPECT_GE(EventTime(event), before - absl::Nanoseconds(1));  // stored at 1 ns resolution
  EXPECT_LE(EventTime(event), after);
  EXPECT_GE(event.time().nanos(), 0);
  EXPECT_LT(event.time().nanos(), 1'000'000'000);
  EXPECT_NE(NewEvent("file.stored", "x").id(), event.id());
}

TEST(ParseEvent, RoundTripsAnEnvelope) {
  events::v1::Event event = NewEvent("service.heartbeat", "auth/1");
  event.mutable_service_heartbeat()->set_service("auth");
  event.set_request_id("req-7");
  absl::StatusOr<events::v1::Event> parsed = ParseEvent(event.SerializeAsString());
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->id(), event.id());
  EXPECT_EQ(parsed->service_heartbeat().service(), "auth");
  EXPECT_EQ(parsed->request_id(), "req-7");
  EXPECT_EQ(EventTime(*parsed), EventTime(event));
}

TEST(ParseEvent, RejectsGarbageAndEnvelopesWithoutIdOrType) {
  EXPECT_THAT(ParseEvent(std::string("\xff\xff\xff\xff", 4)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseEvent(""), StatusIs(absl::StatusCode::kInvalidArgument));
  events::v1::Event no_type;
  no_type.set_id(NewUuidV4());
  EXPECT_THAT(ParseEvent(no_type.SerializeAsString()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DurableEventsStream, CapturesTheFactsThatMustNotBeLost) {
  StreamConfig config = DurableEventsStream(3);
  EXPECT_EQ(config.name, "DM_EVENTS");
  EXPECT_EQ(config.replicas, 3);
  EXPECT_TRUE(config.file_storage);
  EXPECT_THAT(config.subjects,
              ::testing::UnorderedElementsAre("dm.v1.file.>", "dm.v1.audit.>", "dm.v1.governance.>",
                                              "dm.v1.quota.>", "dm.v1.auth.user.>"));
  EXPECT_GT(config.duplicate_window, absl::ZeroDuration());
}

}  // namespace
}  // namespace datamesh::bus
