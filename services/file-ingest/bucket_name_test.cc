#include "services/file-ingest/bucket_name.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shared/testing/status_matchers.h"

namespace datamesh::file_ingest {
namespace {

using ::datamesh::testing::StatusIs;

TEST(BucketName, AcceptsWhatS3Accepts) {
  for (const std::string& name :
       std::vector<std::string>{"abc", "my-bucket", "my.bucket.2026", "0a9", "a-b.c-d",
                                "192.168.5.4x", "1.2.3", "256.1.1.1", std::string(63, 'a')}) {
    EXPECT_OK(ValidateBucketName(name)) << name;
  }
}

TEST(BucketName, RefusesEveryBrokenRule) {
  for (const char* name :
       {"ab", "", "MyBucket", "my_bucket", "-abc", "abc-", ".abc", "abc.", "a..b", "192.168.5.4",
        "10.0.0.255", "xn--abc", "abc-s3alias", "a b c", "ünï", "bucket/key"}) {
    EXPECT_THAT(ValidateBucketName(name), StatusIs(absl::StatusCode::kInvalidArgument)) << name;
  }
  EXPECT_THAT(ValidateBucketName(std::string(64, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace datamesh::file_ingest
