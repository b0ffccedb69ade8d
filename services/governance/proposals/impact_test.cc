// The registry's checks of parameter values and the impact shown before a vote, without a
// database.
#include "services/governance/proposals/impact.h"

#include <gtest/gtest.h>

#include "google/protobuf/util/json_util.h"
#include "services/governance/params/param_registry.h"
#include "services/governance/proposals/change_validation.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::governance {
namespace {

using ::datamesh::testing::StatusIs;

google::protobuf::Value V(const std::string& json) {
  google::protobuf::Value v;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &v).ok()) << json;
  return v;
}

google::protobuf::Struct S(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok()) << json;
  return s;
}

TEST(ParamRegistry, NormalisesValuesOfEachType) {
  EXPECT_EQ(*params::ValidateValue("voting.quorum", V("0.334")), "0.334");
  EXPECT_EQ(*params::ValidateValue("voting.periodSeconds", V("3600")), "3600");
  EXPECT_EQ(*params::ValidateValue("genesis.supply", V("\"9000000000000000\"")),
            "9000000000000000");
  EXPECT_EQ(*params::ValidateValue("tier.gold.storageBytes", V("null")), "null");
  EXPECT_EQ(*params::ValidateValue("admission.mode", V("\"stake\"")), "\"stake\"");
}

TEST(ParamRegistry, RefusesUnknownKeysWrongTypesAndOutOfBounds) {
  for (const auto& [key, json] : std::vector<std::pair<std::string, std::string>>{
           {"voting.quorumm", "0.5"},
           {"tier.free.storageBytez", "1"},
           {"tier.UPPER.storageBytes", "1"},
           {"voting.quorum", "\"0.5\""},
           {"voting.quorum", "0"},
           {"voting.periodSeconds", "3599"},
           {"voting.periodSeconds", "2592001"},
           {"voting.periodSeconds", "null"},
           {"erasure.dataShards", "4.5"},
           {"erasure.parityShards", "-1"},
           {"admission.mode", "\"closed\""},
           {"tier.free.monthlyFee", "null"},
       }) {
    SCOPED_TRACE(key + " = " + json);
    EXPECT_THAT(params::ValidateValue(key, V(json)), StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(ProposalImpact, ErasureChangeWithoutFileIngestsReportSaysReencodeIsUnknown) {
  auto change = proposals::ValidateChange("parameter_change", S(R"({"erasure.parityShards": 4})"));
  ASSERT_OK(change);
  governance::v1::ProposalImpact impact =
      proposals::ComputeImpact("parameter_change", *change, 4, 2);
  ASSERT_TRUE(impact.has_erasure());
  EXPECT_EQ(impact.erasure().data_shards(), 4u);
  EXPECT_EQ(impact.erasure().parity_shards(), 4u);
  EXPECT_DOUBLE_EQ(impact.erasure().storage_overhead(), 2.0);
  EXPECT_DOUBLE_EQ(impact.erasure().current_storage_overhead(), 1.5);
  EXPECT_EQ(impact.erasure().node_losses_tolerated(), 4u);
  EXPECT_FALSE(impact.erasure().reencode_known());
}

TEST(ProposalImpact, ErasureChangeCountsEveryOtherShapeAndItsTimeAtTheThrottle) {
  auto change = proposals::ValidateChange(
      "parameter_change", S(R"({"erasure.dataShards": 3, "erasure.parityShards": 3})"));
  ASSERT_OK(change);
  proposals::StoredUsage stored;
  stored.shapes = {{3, 3, 5, 1000},       // already in the new shape: nothing to move
                   {4, 2, 10, 64 << 20},  // the shape in force
                   {6, 3, 1, 1}};         // an older one
  stored.reencode_bytes_per_second = 32 << 20;
  // governance's table says 8+2 (a proposal file-ingest refused); file-ingest says 4+2.
  stored.current_data_shards = 4;
  stored.current_parity_shards = 2;
  governance::v1::ProposalImpact impact =
      proposals::ComputeImpact("parameter_change", *change, 8, 2, &stored);
  EXPECT_DOUBLE_EQ(impact.erasure().current_storage_overhead(), 1.5);
  ASSERT_TRUE(impact.has_erasure());
  EXPECT_DOUBLE_EQ(impact.erasure().storage_overhead(), 2.0);
  EXPECT_EQ(impact.erasure().node_losses_tolerated(), 3u);
  EXPECT_TRUE(impact.erasure().reencode_known());
  EXPECT_EQ(impact.erasure().reencode_files(), 11u);
  EXPECT_EQ(impact.erasure().reencode_bytes(), (64u << 20) + 1);
  EXPECT_EQ(impact.erasure().reencode_throttle_bytes_per_second(), 32u << 20);
  EXPECT_EQ(impact.erasure().reencode_seconds(), 3u);  // 2 s and one byte more, rounded up

  stored.reencode_bytes_per_second = 0;  // unthrottled: no time to show
  impact = proposals::ComputeImpact("parameter_change", *change, 4, 2, &stored);
  EXPECT_EQ(impact.erasure().reencode_seconds(), 0u);
  EXPECT_EQ(impact.erasure().reencode_bytes(), (64u << 20) + 1);
}

TEST(ProposalImpact, TierChangeSaysUsersOverTheLimitAreNotAvailable) {
  auto change =
      proposals::ValidateChange("parameter_change", S(R"({"tier.free.storageBytes": 1000})"));
  ASSERT_OK(change);
  governance::v1::ProposalImpact impact =
      proposals::ComputeImpact("parameter_change", *change, 4, 2);
  EXPECT_FALSE(impact.has_erasure());
  ASSERT_EQ(impact.notes_size(), 1);
  EXPECT_NE(impact.notes(0).find("not available"), std::string::npos);
  EXPECT_EQ(proposals::ExternalOwners("parameter_change", *change), std::set<std::string>{"quota"});
}

}  // namespace
}  // namespace datamesh::governance
