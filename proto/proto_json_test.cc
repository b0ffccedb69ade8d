// Guards the REST contract: the canonical JSON mapping of the proto messages that API.md shows
// must produce API.md's field names exactly, and API.md's request bodies must parse into the
// request messages. Printing uses the options the gateway uses (zero values printed; fields
// with presence printed only when set).

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "datamesh/auth/v1/auth.pb.h"
#include "datamesh/file/v1/file.pb.h"
#include "datamesh/governance/v1/governance.pb.h"
#include "datamesh/monitoring/v1/monitoring.pb.h"

namespace datamesh::proto {
namespace {

using google::protobuf::Message;
using google::protobuf::Struct;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;
using google::protobuf::util::TimeUtil;
using Keys = std::set<std::string>;

std::string ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = MessageToJsonString(message, &json, options);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return json;
}

Struct ToStruct(const Message& message) {
  Struct parsed;
  const auto status = JsonStringToMessage(ToJson(message), &parsed);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return parsed;
}

Keys KeysOf(const Struct& object) {
  Keys keys;
  for (const auto& [key, value] : object.fields()) keys.insert(key);
  return keys;
}

Keys KeysOf(const Message& message) { return KeysOf(ToStruct(message)); }

google::protobuf::Timestamp Time(int64_t seconds) { return TimeUtil::SecondsToTimestamp(seconds); }

file::v1::File FullFile() {
  file::v1::File file;
  file.set_id("f1");
  file.set_name("docs/a.txt");
  file.set_size(42);
  file.set_content_type("text/plain");
  file.set_sha256(std::string(64, 'a'));
  *file.mutable_created_at() = Time(1735787045);
  *file.mutable_updated_at() = Time(1735787045);
  (*file.mutable_tags())["k"] = "v";
  file.mutable_redundancy()->set_data_shards(4);
  file.mutable_redundancy()->set_parity_shards(2);
  file.set_encryption("server");
  return file;
}

auth::v1::User FullUser() {
  auth::v1::User user;
  user.set_id("u1");
  user.set_username("alice");
  user.set_email("alice@example.com");
  user.set_role("user");
  user.set_tier("free");
  *user.mutable_created_at() = Time(1735787045);
  return user;
}

TEST(ProtoJson, FileHasApiFieldNames) {
  const Struct json = ToStruct(FullFile());
  EXPECT_EQ(KeysOf(json), (Keys{"id", "name", "size", "contentType", "sha256", "createdAt",
                                "updatedAt", "tags", "redundancy", "encryption", "md5",
                                "objectMetadata"}));
  EXPECT_EQ(KeysOf(json.fields().at("redundancy").struct_value()),
            (Keys{"dataShards", "parityShards"}));
  // 64-bit sizes are strings and times RFC 3339 UTC, as API.md allows and requires.
  EXPECT_EQ(json.fields().at("size").string_value(), "42");
  EXPECT_EQ(json.fields().at("createdAt").string_value(), "2025-01-02T03:04:05Z");
  EXPECT_EQ(json.fields().at("tags").struct_value().fields().at("k").string_value(), "v");
}

TEST(ProtoJson, ZeroSizedFileStillPrintsSize) {
  file::v1::File file = FullFile();
  file.set_size(0);
  EXPECT_EQ(ToStruct(file).fields().at("size").string_value(), "0");
}

TEST(ProtoJson, UserHasApiFieldNamesAndUsageOnlyWhenSet) {
  auth::v1::User user = FullUser();
  EXPECT_EQ(KeysOf(user), (Keys{"id", "username", "email", "role", "tier", "createdAt"}));
  user.mutable_usage()->set_storage_bytes(1);
  const Struct json = ToStruct(user);
  EXPECT_EQ(KeysOf(json.fields().at("usage").struct_value()),
            (Keys{"storageBytes", "bandwidthBytesMonth", "apiCallsHour"}));
}

TEST(ProtoJson, FileHealthResponseIsFlatWithApiNames) {
  file::v1::GetHealthResponse health;
  health.set_file_id("f1");
  health.set_state("healthy");
  // Zero counts must still be printed: a client reads minHealthyPerSegment as a number.
  const Struct json = ToStruct(health);
  EXPECT_EQ(KeysOf(json), (Keys{"fileId", "segments", "healthyShards", "totalShards",
                                "minHealthyPerSegment", "minNodeLossesTolerated", "state"}));
  EXPECT_EQ(json.fields().at("minHealthyPerSegment").number_value(), 0);
}

TEST(ProtoJson, NextCursorIsAbsentAtTheEndAndPresentOtherwise) {
  file::v1::ListResponse list;
  *list.add_files() = FullFile();
  EXPECT_EQ(KeysOf(list), (Keys{"files"}));
  list.set_next_cursor("c2");
  const Struct json = ToStruct(list);
  EXPECT_EQ(KeysOf(json), (Keys{"files", "nextCursor"}));
  EXPECT_EQ(json.fields().at("nextCursor").string_value(), "c2");
}

TEST(ProtoJson, AuthAnswersHaveApiFieldNames) {
  auth::v1::LoginResponse login;
  login.set_token("t");
  *login.mutable_expires_at() = Time(1);
  *login.mutable_user() = FullUser();
  EXPECT_EQ(KeysOf(login), (Keys{"token", "expiresAt", "user"}));

  auth::v1::CreateApiKeyResponse created;
  *created.mutable_created_at() = Time(1);
  EXPECT_EQ(KeysOf(created), (Keys{"id", "name", "key", "createdAt"}));

  auth::v1::ListApiKeysResponse keys;
  auth::v1::ApiKey* key = keys.add_api_keys();
  *key->mutable_created_at() = Time(1);
  *key->mutable_last_used_at() = Time(2);
  const Struct keys_json = ToStruct(keys);
  EXPECT_EQ(KeysOf(keys_json), (Keys{"apiKeys"}));
  EXPECT_EQ(KeysOf(keys_json.fields().at("apiKeys").list_value().values(0).struct_value()),
            (Keys{"id", "name", "createdAt", "lastUsedAt"}));

  auth::v1::GetProfileResponse profile;
  *profile.mutable_user() = FullUser();
  profile.mutable_usage();
  profile.mutable_limits()->set_storage_bytes(5'000'000'000);
  const Struct profile_json = ToStruct(profile);
  EXPECT_EQ(KeysOf(profile_json), (Keys{"user", "usage", "limits"}));
  // An absent limit means unlimited, so unset limits must not print.
  EXPECT_EQ(KeysOf(profile_json.fields().at("limits").struct_value()), (Keys{"storageBytes"}));

  auth::v1::QueryAuditResponse audit;
  *audit.add_records()->mutable_time() = Time(1);
  EXPECT_EQ(KeysOf(ToStruct(audit).fields().at("records").list_value().values(0).struct_value()),
            (Keys{"id", "time", "actor", "action", "target", "outcome", "sourceIp"}));
}

TEST(ProtoJson, MaintenanceAnswerHasJobId) {
  file::v1::RunMaintenanceResponse answer;
  answer.set_job_id("j1");
  EXPECT_EQ(KeysOf(answer), (Keys{"jobId"}));
}

TEST(ProtoJson, MonitoringHealthHasApiFieldNames) {
  monitoring::v1::GetHealthResponse health;
  health.set_status("ok");
  health.set_score(100);
  health.add_services()->set_name("auth");
  health.add_nodes()->set_id(std::string(64, '0'));
  const Struct json = ToStruct(health);
  EXPECT_EQ(KeysOf(json), (Keys{"status", "score", "services", "nodes", "checks"}));
  EXPECT_EQ(KeysOf(json.fields().at("services").list_value().values(0).struct_value()),
            (Keys{"name", "instances", "healthy"}));
  EXPECT_EQ(KeysOf(json.fields().at("nodes").list_value().values(0).struct_value()),
            (Keys{"id", "address", "zone", "state", "capacityBytes", "usedBytes"}));
}

TEST(ProtoJson, SeriesPointsArePairs) {
  monitoring::v1::QuerySeriesResponse answer;
  monitoring::v1::Series* series = answer.add_series();
  (*series->mutable_labels())["service"] = "auth";
  google::protobuf::ListValue* point = series->add_points();
  point->add_values()->set_number_value(60);
  point->add_values()->set_number_value(1.5);
  EXPECT_EQ(ToJson(answer), R"({"series":[{"labels":{"service":"auth"},"points":[[60,1.5]]}]})");
}

TEST(ProtoJson, AlertHasApiFieldNamesAndResolvedAtOnlyWhenSet) {
  monitoring::v1::Alert alert;
  *alert.mutable_started_at() = Time(1);
  EXPECT_EQ(KeysOf(alert),
            (Keys{"id", "rule", "severity", "state", "startedAt", "message", "labels",
                  "annotations", "value", "group", "explanation", "silencedBy"}));
  *alert.mutable_resolved_at() = Time(2);
  EXPECT_TRUE(KeysOf(alert).count("resolvedAt"));
  alert.mutable_acknowledgement()->set_by("admin");
  EXPECT_TRUE(KeysOf(alert).count("acknowledgement"));
}

TEST(ProtoJson, ProposalHasApiFieldNames) {
  governance::v1::Proposal proposal;
  (*proposal.mutable_change()->mutable_fields())["erasure.parityShards"].set_number_value(3);
  proposal.mutable_votes()->set_yes(10);
  *proposal.mutable_opens_at() = Time(1);
  *proposal.mutable_closes_at() = Time(2);
  Struct json = ToStruct(proposal);
  EXPECT_EQ(KeysOf(json), (Keys{"id", "title", "description", "type", "change", "proposer", "state",
                                "votes", "quorum", "opensAt", "closesAt", "threshold",
                                "vetoThreshold", "totalPower", "deposit", "stateReason",
                                "execution"}));
  EXPECT_EQ(KeysOf(json.fields().at("votes").struct_value()),
            (Keys{"yes", "no", "abstain", "veto"}));
  EXPECT_EQ(
      json.fields().at("change").struct_value().fields().at("erasure.parityShards").number_value(),
      3);
  *proposal.mutable_executed_at() = Time(3);
  EXPECT_TRUE(KeysOf(proposal).count("executedAt"));

  governance::v1::ListOperatorsResponse operators;
  operators.add_operators()->add_nodes("n1");
  EXPECT_EQ(
      KeysOf(ToStruct(operators).fields().at("operators").list_value().values(0).struct_value()),
      (Keys{"id", "name", "stake", "reputation", "nodes", "accountId", "state"}));
}

TEST(ProtoJson, ApiRequestBodiesParse) {
  governance::v1::CreateProposalRequest proposal;
  ASSERT_TRUE(JsonStringToMessage(R"({"title": "More parity", "description": "d",
      "type": "parameter_change", "change": {"erasure.parityShards": 3},
      "votingPeriodSeconds": 3600})",
                                  &proposal)
                  .ok());
  EXPECT_EQ(proposal.title(), "More parity");
  EXPECT_EQ(proposal.voting_period_seconds(), 3600u);
  EXPECT_EQ(proposal.change().fields().at("erasure.parityShards").number_value(), 3);

  governance::v1::CastVoteRequest vote;
  ASSERT_TRUE(JsonStringToMessage(R"({"choice": "abstain"})", &vote).ok());
  EXPECT_EQ(vote.choice(), "abstain");

  auth::v1::UpdateUserRequest update;
  ASSERT_TRUE(JsonStringToMessage(R"({"tier": "premium"})", &update).ok());
  EXPECT_TRUE(update.has_tier());
  EXPECT_FALSE(update.has_role());

  auth::v1::RegisterRequest registration;
  ASSERT_TRUE(
      JsonStringToMessage(
          R"({"username": "bob", "email": "b@example.com", "password": "pw123456"})", &registration)
          .ok());
  EXPECT_EQ(registration.email(), "b@example.com");

  file::v1::UpdateMetadataRequest metadata;
  ASSERT_TRUE(JsonStringToMessage(R"({"name": "b.txt", "tags": {"k": "v"}})", &metadata).ok());
  EXPECT_EQ(metadata.name(), "b.txt");
  EXPECT_EQ(metadata.tags().at("k"), "v");

  file::v1::RunMaintenanceRequest maintenance;
  ASSERT_TRUE(JsonStringToMessage(R"({"action": "scrub"})", &maintenance).ok());
  EXPECT_EQ(maintenance.action(), "scrub");
}

}  // namespace
}  // namespace datamesh::proto
