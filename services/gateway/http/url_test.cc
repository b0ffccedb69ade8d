#include "services/gateway/http/url.h"

#include <gtest/gtest.h>

#include "services/gateway/http/api_error.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::gateway::http {
namespace {

using ::datamesh::testing::StatusIs;

TEST(PercentDecode, DecodesEscapesAndPlusOnlyInQueries) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("a+b%2B", true), "a b+");
  EXPECT_EQ(*PercentDecode("%e2%82%AC", false), "\xE2\x82\xAC");
}

TEST(PercentDecode, RejectsMalformedEscapesAndNul) {
  EXPECT_THAT(PercentDecode("%", false), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode("ab%4", false), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode("%zz", false), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode("a%00b", false), StatusIs(absl::StatusCode::kInvalidArgument));
  // A raw NUL is refused as the escaped one is (found by fuzz/url_fuzz.cc).
  EXPECT_THAT(PercentDecode(std::string_view("a\0b", 3), false),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode(std::string_view("\0", 1), true),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PercentDecode, RejectsWhatIsNotUtf8EscapedOrRaw) {
  EXPECT_THAT(PercentDecode("abc%ff", false), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode("%ed%a0%80", false), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PercentDecode("raw\xff", true), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseQuery, SplitsPairsAndSkipsEmptyPieces) {
  auto q = ParseQuery("a=1&&b=x+y&c&d=%3D");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[0], (std::pair<std::string, std::string>("a", "1")));
  EXPECT_EQ((*q)[1], (std::pair<std::string, std::string>("b", "x y")));
  EXPECT_EQ((*q)[2], (std::pair<std::string, std::string>("c", "")));
  EXPECT_EQ((*q)[3], (std::pair<std::string, std::string>("d", "=")));
  EXPECT_THAT(ParseQuery("a=%G1"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DecodePathSegments, DecodesEachSegmentAndRejectsDotSegments) {
  auto s = DecodePathSegments("/api/v1/files/a%20b");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (std::vector<std::string>{"api", "v1", "files", "a b"}));
  EXPECT_TRUE(DecodePathSegments("/")->empty());
  EXPECT_EQ(*DecodePathSegments("/x/"), (std::vector<std::string>{"x", ""}));
  EXPECT_THAT(DecodePathSegments("/a/../b"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodePathSegments("/a/%2e%2E/b"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitTarget("http://evil/x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ApiError, MapsCanonicalCodesAndHidesInternals) {
  ApiError e = ApiErrorFor(absl::NotFoundError("no file f1"));
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.code, "NOT_FOUND");
  EXPECT_EQ(e.message, "no file f1");
  e = ApiErrorFor(absl::InternalError("SELECT * FROM users failed at /srv/x.cc:12"));
  EXPECT_EQ(e.http_status, 500);
  EXPECT_EQ(e.message.find("SELECT"), std::string::npos);
  e = ApiErrorFor(absl::UnavailableError("pg at 10.0.0.3:5432 down"));
  EXPECT_EQ(e.http_status, 503);
  EXPECT_EQ(e.message.find("10.0.0.3"), std::string::npos);
  e = ApiErrorFor(PayloadTooLarge("too big"));
  EXPECT_EQ(e.http_status, 413);
  EXPECT_EQ(e.code, "PAYLOAD_TOO_LARGE");
}

TEST(ApiError, JsonIsEscapedAndValidUtf8) {
  ApiError e{400, "INVALID_ARGUMENT", "bad \"name\"\n\xff\xC3\xA9"};
  EXPECT_EQ(ErrorJson(e),
            "{\"error\":{\"code\":\"INVALID_ARGUMENT\",\"message\":\"bad \\\"name\\\"\\n"
            "\xEF\xBF\xBD\xC3\xA9\"}}");
}

TEST(RequestId, ValidatesAndGeneratesDistinctHexIds) {
  EXPECT_TRUE(IsValidRequestId("abc-DEF_1.2"));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId("has space"));
  EXPECT_FALSE(IsValidRequestId(std::string(129, 'a')));
  const std::string a = NewRequestId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_TRUE(IsValidRequestId(a));
  EXPECT_NE(a, NewRequestId());
}

}  // namespace
}  // namespace datamesh::gateway::http
