#include "tools/cli/token_amount.h"

#include <gtest/gtest.h>

namespace datamesh::cli {
namespace {

TEST(TokenAmount, ParsesWholeAndDecimalTokens) {
  EXPECT_EQ(*ParseTokens("12"), 12'000'000u);
  EXPECT_EQ(*ParseTokens("0.5"), 500'000u);
  EXPECT_EQ(*ParseTokens(".25"), 250'000u);
  EXPECT_EQ(*ParseTokens("1.000001"), 1'000'001u);
  EXPECT_EQ(*ParseTokens("18446744073709.551615"), 18'446'744'073'709'551'615u);
}

TEST(TokenAmount, RefusesWhatIsNotAPositiveAmount) {
  for (const char* bad : {"", ".", "1.", "-1", "+1", "1e6", "0x10", "1.0000001", "0", "0.000000",
                          "1,5", " 1", "18446744073709.551616", "99999999999999999999"}) {
    EXPECT_EQ(ParseTokens(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(TokenAmount, FormatsWithoutTrailingZeros) {
  EXPECT_EQ(FormatTokens(0), "0");
  EXPECT_EQ(FormatTokens(2'000'000), "2");
  EXPECT_EQ(FormatTokens(1'500'000), "1.5");
  EXPECT_EQ(FormatTokens(250), "0.00025");
  EXPECT_EQ(FormatTokens(1), "0.000001");
  EXPECT_EQ(FormatSignedTokens(-250'000), "-0.25");
  EXPECT_EQ(FormatSignedTokens(3'000'000), "+3");
  EXPECT_EQ(FormatSignedTokens(INT64_MIN), "-9223372036854.775808");
}

}  // namespace
}  // namespace datamesh::cli
