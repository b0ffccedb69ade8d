#include "services/gateway/routes/json_body.h"

#include <gtest/gtest.h>

#include <string>

#include "datamesh/auth/v1/auth.pb.h"
#include "services/gateway/http/api_error.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::gateway {
namespace {

using ::datamesh::testing::StatusIs;

TEST(JsonBodyTest, Depth) {
  EXPECT_EQ(JsonDepth("{}"), 1);
  EXPECT_EQ(JsonDepth(R"({"a":[{"b":"}}}]]"}]})"), 3);
  EXPECT_EQ(JsonDepth(R"({"a":"\"{"})"), 1);
  EXPECT_EQ(JsonDepth("{"), -1);
  EXPECT_EQ(JsonDepth("}{"), -1);
}

TEST(JsonBodyTest, ParsesCamelCaseAndRejectsUnknownFields) {
  auth::v1::LoginRequest req;
  ASSERT_OK(ParseJson(R"({"username":"ann","password":"pw123456"})", {}, &req));
  EXPECT_EQ(req.username(), "ann");
  EXPECT_THAT(ParseJson(R"({"username":"ann","admin":true})", {}, &req),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(JsonBodyTest, RejectsMalformedAndWrongTypes) {
  auth::v1::LoginRequest req;
  EXPECT_THAT(ParseJson("{\"username\":", {}, &req), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseJson("[1,2]", {}, &req), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseJson(R"({"username":{"x":1}})", {}, &req),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(JsonBodyTest, RefusesBytesAndEscapesThatAreNotUtf8) {
  auth::v1::LoginRequest req;
  EXPECT_THAT(ParseJson("{\"username\":\"a\xff\"}", {}, &req),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const absl::Status lone = ParseJson(R"({"username":"a\ud800b"})", {}, &req);
  EXPECT_THAT(lone, StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(ParseJson(R"({"username":"caf\u00e9 \ud83d\ude00"})", {}, &req));
  EXPECT_EQ(req.username(), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(JsonBodyTest, DepthAndSizeLimits) {
  auth::v1::LoginRequest req;
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  EXPECT_THAT(ParseJson(deep, {.max_bytes = 1024, .max_depth = 32}, &req),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string big = R"({"username":")" + std::string(200, 'a') + "\"}";
  absl::Status s = ParseJson(big, {.max_bytes = 100, .max_depth = 32}, &req);
  EXPECT_EQ(http::ApiErrorFor(s).http_status, 413);
}

TEST(JsonBodyTest, PrintsZeroValuesInCamelCase) {
  auth::v1::CreateApiKeyResponse resp;
  resp.set_id("k1");
  const std::string json = PrintJson(resp);
  EXPECT_NE(json.find("\"id\":\"k1\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"key\":\"\""), std::string::npos) << json;
  EXPECT_EQ(json.find("createdAt"), std::string::npos) << json;  // unset message: absent
}

}  // namespace
}  // namespace datamesh::gateway
