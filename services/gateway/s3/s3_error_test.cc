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

}  // namespace
}  // namespace datamesh::gateway::s3
