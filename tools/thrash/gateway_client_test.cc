#include "tools/thrash/gateway_client.h"

#include <gtest/gtest.h>

namespace datamesh::thrash {
namespace {

TEST(GatewayClient, ReadsAnswersOfAnyShapeWithoutThrowing) {
  const nlohmann::json j = nlohmann::json::parse(
      R"({"file":{"id":"f1","size":"12","n":7,"neg":-1,"odd":"1e3"},"list":[1]})");
  EXPECT_EQ(JsonString(JsonField(j, "file"), "id"), "f1");
  EXPECT_EQ(JsonUint(JsonField(JsonField(j, "file"), "size")), 12u);  // proto JSON: a string
  EXPECT_EQ(JsonUint(JsonField(JsonField(j, "file"), "n")), 7u);
  EXPECT_EQ(JsonUint(JsonField(JsonField(j, "file"), "neg"), 99), 99u);
  EXPECT_EQ(JsonUint(JsonField(JsonField(j, "file"), "odd"), 99), 99u);
  EXPECT_EQ(JsonString(JsonField(j, "file"), "n"), "");  // a number is not a string
  EXPECT_TRUE(JsonField(j, "missing").is_null());
  EXPECT_TRUE(JsonField(j["list"], "x").is_null());                    // not an object
  EXPECT_EQ(JsonUint(nlohmann::json("99999999999999999999999")), 0u);  // past 64 bits
}

TEST(GatewayClient, ACauseNamesTheStatusAndErrorCodeOrTheTransportFailure) {
  Reply json_error;
  json_error.status = 503;
  json_error.body = R"({"error":{"code":"STORAGE_UNAVAILABLE","message":"2 up"}})";
  EXPECT_EQ(json_error.Cause(), "HTTP 503 STORAGE_UNAVAILABLE");
  Reply bare;
  bare.status = 502;
  bare.body = "<html>bad gateway</html>";
  EXPECT_EQ(bare.ErrorCode(), "");
  EXPECT_EQ(bare.Cause(), "HTTP 502 (no JSON error body)");
  Reply cut;
  cut.transport_error = "cannot talk to http://h/api/v1/files/x: transfer closed";
  EXPECT_EQ(cut.Cause(), "transport: transfer closed");
  Reply reset;
  reset.transport_error =
      "cannot talk to http://h:1/api/v1/files?name=a: Send failure: Broken pipe";
  EXPECT_EQ(reset.Cause(), "transport: Send failure: Broken pipe");
}

}  // namespace
}  // namespace datamesh::thrash
