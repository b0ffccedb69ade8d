#include "services/gateway/s3/s3_conditions.h"

#include <gtest/gtest.h>

namespace datamesh::gateway::s3 {
namespace {

using O = ConditionOutcome;

const absl::Time kModified = absl::FromUnixSeconds(1'700'000'000);  // Tue, 14 Nov 2023 22:13:20
constexpr char kBefore[] = "Tue, 14 Nov 2023 22:13:19 GMT";
constexpr char kAt[] = "Tue, 14 Nov 2023 22:13:20 GMT";

TEST(S3Conditions, HttpDatesRoundTripInEveryFormat) {
  EXPECT_EQ(FormatHttpDate(kModified), kAt);
  EXPECT_EQ(ParseConditionDate(kAt), kModified);
  EXPECT_EQ(ParseConditionDate("Tuesday, 14-Nov-23 22:13:20 GMT"), kModified);
  EXPECT_EQ(ParseConditionDate("Tue Nov 14 22:13:20 2023"), kModified);
  EXPECT_FALSE(ParseConditionDate("yesterday").has_value());
}

TEST(S3Conditions, IfMatchDecidesAloneWhenPresent) {
  EXPECT_EQ(Evaluate({.if_match = "\"abc\""}, "abc", kModified), O::kProceed);
  EXPECT_EQ(Evaluate({.if_match = "\"x\", \"abc\""}, "abc", kModified), O::kProceed);
  EXPECT_EQ(Evaluate({.if_match = "*"}, "abc", kModified), O::kProceed);
  EXPECT_EQ(Evaluate({.if_match = "\"x\""}, "abc", kModified), O::kPreconditionFailed);
  // True If-Match overrides a false If-Unmodified-Since.
  EXPECT_EQ(Evaluate({.if_match = "\"abc\"", .if_unmodified_since = kBefore}, "abc", kModified),
            O::kProceed);
  EXPECT_EQ(Evaluate({.if_unmodified_since = kBefore}, "abc", kModified), O::kPreconditionFailed);
  EXPECT_EQ(Evaluate({.if_unmodified_since = kAt}, "abc", kModified), O::kProceed);
}

TEST(S3Conditions, IfNoneMatchDecidesAloneWhenPresent) {
  EXPECT_EQ(Evaluate({.if_none_match = "\"abc\""}, "abc", kModified), O::kNotModified);
  EXPECT_EQ(Evaluate({.if_none_match = "\"x\""}, "abc", kModified), O::kProceed);
  // A false If-None-Match overrides a true If-Modified-Since... and a non-matching one ignores it.
  EXPECT_EQ(Evaluate({.if_none_match = "\"x\"", .if_modified_since = kAt}, "abc", kModified),
            O::kProceed);
  EXPECT_EQ(Evaluate({.if_modified_since = kAt}, "abc", kModified), O::kNotModified);
  EXPECT_EQ(Evaluate({.if_modified_since = kBefore}, "abc", kModified), O::kProceed);
  // A date that does not parse is ignored.
  EXPECT_EQ(Evaluate({.if_modified_since = "soon"}, "abc", kModified), O::kProceed);
  // 412 wins over 304.
  EXPECT_EQ(Evaluate({.if_match = "\"x\"", .if_none_match = "\"abc\""}, "abc", kModified),
            O::kPreconditionFailed);
}

}  // namespace
}  // namespace datamesh::gateway::s3
