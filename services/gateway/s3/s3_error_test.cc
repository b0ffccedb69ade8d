#include "services/gateway/s3/s3_error.h"

#include <gtest/gtest.h>

#include "services/gateway/http/api_error.h"
#include "services/gateway/upstream/rpc_status.h"

namespace datamesh::gateway::s3 {
namespace {

TEST(S3Error, MapsServiceAnswersToS3Codes) {
  EXPECT_EQ(S3ErrorFor(absl::NotFoundError("x"), Subject::kBucket).code, "NoSuchBucket");
  EXPECT_EQ(S3ErrorFor(absl::NotFoundError("x"), Subject::kKey).code, "NoSuchKey");
  EXPECT_EQ(S3ErrorFor(absl::PermissionDeniedError("x"), Subject::kBucket).code, "AccessDenied");
  const S3Error owned =
      S3ErrorFor(absl::AlreadyExistsError("x"), Subject::kBucket, "BUCKET_ALREADY_OWNED_BY_YOU");
  EXPECT_EQ(owned.code, "BucketAlreadyOwnedByYou");
  EXPECT_EQ(owned.http_status, 409);
  EXPECT_EQ(
      S3ErrorFor(absl::AlreadyExistsError("x"), Subject::kBucket, "BUCKET_ALREADY_EXISTS").code,
      "BucketAlreadyExists");
  EXPECT_EQ(
      S3ErrorFor(absl::FailedPreconditionError("x"), Subject::kBucket, "BUCKET_NOT_EMPTY").code,
      "BucketNotEmpty");
  const S3Error invalid = S3ErrorFor(absl::InvalidArgumentError("bad name"), Subject::kKey);
  EXPECT_EQ(invalid.code, "InvalidArgument");
  EXPECT_EQ(invalid.message, "bad name");
}

TEST(S3Error, MapsTheEdgeLimitsToWhatS3ClientsRetryOrReport) {
  const S3Error quota =
      S3ErrorFor(http::WithHttpError(absl::ResourceExhaustedError("over"), 403, "QUOTA_EXCEEDED"),
                 Subject::kKey);
  EXPECT_EQ(quota.code, "QuotaExceeded");
  EXPECT_EQ(quota.http_status, 403);
  const S3Error slow = S3ErrorFor(RateLimited("slow down", 3), Subject::kNone);
  EXPECT_EQ(slow.code, "SlowDown");
  EXPECT_EQ(slow.http_status, 503);
  EXPECT_EQ(S3ErrorFor(http::PayloadTooLarge("big"), Subject::kKey).code, "EntityTooLarge");
  const S3Error internal = S3ErrorFor(absl::InternalError("secret detail"), Subject::kKey);
  EXPECT_EQ(internal.http_status, 500);
  EXPECT_EQ(internal.message.find("secret"), std::string::npos);
}

TEST(S3Error, RendersTheErrorDocument) {
  EXPECT_EQ(ErrorXml(NoSuchKey(), "/b/k&", "rid"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
            "<Message>The specified key does not exist.</Message><Resource>/b/k&amp;</Resource>"
            "<RequestId>rid</RequestId></Error>");
}

// What the HTTP server answers by itself, as the S3 listener renders it.
S3Error ForServer(http::ServerError::Stage stage, const absl::Status& status,
                  std::string_view target = "/b/k") {
  return S3ErrorForServer({stage, status, target, "rid"});
}

TEST(S3Error, MapsTheServersOwnAnswersToS3Codes) {
  using Stage = http::ServerError::Stage;
  const S3Error method =
      ForServer(Stage::kRoute,
                http::WithHttpError(absl::InvalidArgumentError("m"), 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(method.code, "MethodNotAllowed");
  EXPECT_EQ(method.http_status, 405);
  const S3Error large = ForServer(Stage::kRoute, http::PayloadTooLarge("over"));
  EXPECT_EQ(large.code, "EntityTooLarge");
  EXPECT_EQ(large.http_status, 400);
  const S3Error header =
      ForServer(Stage::kRequest,
                http::WithHttpError(absl::InvalidArgumentError("h"), 431, "HEADER_TOO_LARGE"), "");
  EXPECT_EQ(header.code, "RequestHeaderSectionTooLarge");
  EXPECT_EQ(header.http_status, 400);
  const S3Error dots =
      ForServer(Stage::kRequest, absl::InvalidArgumentError("dot segments"), "/b/../k");
  EXPECT_EQ(dots.code, "InvalidURI");
  EXPECT_EQ(dots.http_status, 400);
  EXPECT_EQ(
      ForServer(Stage::kRequest,
                http::WithHttpError(absl::InvalidArgumentError("long"), 414, "URI_TOO_LONG"), "")
          .code,
      "InvalidURI");
  EXPECT_EQ(ForServer(Stage::kRequest, absl::InvalidArgumentError("malformed"), "").code,
            "InvalidRequest");
  const S3Error busy = ForServer(Stage::kRequest, absl::UnavailableError("too many"), "");
  EXPECT_EQ(busy.code, "SlowDown");
  EXPECT_EQ(busy.http_status, 503);
  const S3Error stalled =
      ForServer(Stage::kHandler,
                http::WithHttpError(absl::DeadlineExceededError("slow"), 408, "REQUEST_TIMEOUT"));
  EXPECT_EQ(stalled.code, "RequestTimeout");
  EXPECT_EQ(stalled.http_status, 400);
  const S3Error silent = ForServer(Stage::kHandler, absl::InternalError("secret detail"));
  EXPECT_EQ(silent.code, "InternalError");
  EXPECT_EQ(silent.message.find("secret"), std::string::npos);
}

TEST(S3Error, RendersTheServersAnswersAsTheErrorDocumentWithTheRequestId) {
  const absl::Status status =
      http::WithHttpError(absl::InvalidArgumentError("m"), 405, "METHOD_NOT_ALLOWED");
  const http::RenderedError r =
      RenderAsS3Error({http::ServerError::Stage::kRoute, status, "/b/k?uploads", "rid"});
  EXPECT_EQ(r.http_status, 405);
  EXPECT_EQ(r.content_type, "application/xml");
  EXPECT_EQ(
      r.body,
      ErrorXml(S3ErrorForServer({http::ServerError::Stage::kRoute, status, "/b/k?uploads", "rid"}),
               "/b/k", "rid"));
  EXPECT_NE(r.body.find("<Code>MethodNotAllowed</Code>"), std::string::npos);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "x-amz-request-id");
  EXPECT_EQ(r.headers[0].second, "rid");
}

}  // namespace
}  // namespace datamesh::gateway::s3
