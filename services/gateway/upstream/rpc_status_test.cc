#include "services/gateway/upstream/rpc_status.h"

#include <gtest/gtest.h>

#include "services/gateway/http/api_error.h"

namespace datamesh::gateway {
namespace {

http::ApiError Map(grpc::StatusCode code, std::string_view dm_code = {},
                   std::string_view retry = {}) {
  return http::ApiErrorFor(StatusFromRpc(grpc::Status(code, "msg"), dm_code, retry));
}

TEST(RpcStatusTest, CanonicalCodes) {
  EXPECT_EQ(Map(grpc::StatusCode::NOT_FOUND).http_status, 404);
  EXPECT_EQ(Map(grpc::StatusCode::ALREADY_EXISTS).http_status, 409);
  EXPECT_EQ(Map(grpc::StatusCode::UNAUTHENTICATED).code, "UNAUTHENTICATED");
  EXPECT_EQ(Map(grpc::StatusCode::INVALID_ARGUMENT).http_status, 400);
  EXPECT_TRUE(StatusFromRpc(grpc::Status::OK, "QUOTA_EXCEEDED", "").ok());
}

TEST(RpcStatusTest, InternalDetailsNeverReachTheClient) {
  http::ApiError e =
      http::ApiErrorFor(StatusFromRpc(grpc::Status(grpc::StatusCode::INTERNAL, "SQL: x"), "", ""));
  EXPECT_EQ(e.http_status, 500);
  EXPECT_EQ(e.message.find("SQL"), std::string::npos);
}

TEST(RpcStatusTest, QuotaExceededIs403) {
  http::ApiError e = Map(grpc::StatusCode::RESOURCE_EXHAUSTED, "QUOTA_EXCEEDED");
  EXPECT_EQ(e.http_status, 403);
  EXPECT_EQ(e.code, "QUOTA_EXCEEDED");
}

TEST(RpcStatusTest, TooFewStorageNodesIs503ThatSaysSo) {
  http::ApiError plain = Map(grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(plain.message, "service unavailable");
  http::ApiError e = http::ApiErrorFor(
      StatusFromRpc(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "not enough storage nodes: 5 up with room, 6 needed"),
                    "STORAGE_UNAVAILABLE", ""));
  EXPECT_EQ(e.http_status, 503);
  EXPECT_EQ(e.code, "STORAGE_UNAVAILABLE");
  EXPECT_EQ(e.message, "not enough storage nodes: 5 up with room, 6 needed");
}

TEST(RpcStatusTest, RateLimitedIs429WithRetryAfter) {
  absl::Status s = StatusFromRpc(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow"),
                                 "RATE_LIMITED", "7");
  EXPECT_EQ(http::ApiErrorFor(s).http_status, 429);
  EXPECT_EQ(http::ApiErrorFor(s).code, "RATE_LIMITED");
  EXPECT_EQ(RetryAfterOf(s), 7u);
  // A missing or garbled retry-after still gives clients a positive wait.
  EXPECT_EQ(RetryAfterOf(StatusFromRpc(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "x"),
                                       "RATE_LIMITED", "soon")),
            1u);
  EXPECT_FALSE(RetryAfterOf(absl::NotFoundError("x")).has_value());
}

TEST(RpcStatusTest, RateLimitedClampsSeconds) {
  EXPECT_EQ(RetryAfterOf(RateLimited("x", 0)), 1u);
  EXPECT_EQ(RetryAfterOf(RateLimited("x", 10'000'000)), 86'400u);
}

}  // namespace
}  // namespace datamesh::gateway
