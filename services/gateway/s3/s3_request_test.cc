#include "services/gateway/s3/s3_request.h"

#include <gtest/gtest.h>

#include "services/gateway/s3/s3_names.h"

namespace datamesh::gateway::s3 {
namespace {

TEST(S3Request, PathStyleDecodesBucketAndKeyKeepingPlusAndSlashes) {
  absl::StatusOr<S3Target> t = ParseTarget("/photos/2024/a%20b+c.jpg", "127.0.0.1:9000", "");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->bucket, "photos");
  EXPECT_EQ(t->key, "2024/a b+c.jpg");
  t = ParseTarget("/", "h", "");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->bucket, "");
  t = ParseTarget("/photos/", "h", "");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->bucket, "photos");
  EXPECT_EQ(t->key, "");
  EXPECT_FALSE(ParseTarget("/photos/%zz", "h", "").ok());
}

TEST(S3Request, VirtualHostStyleTakesTheBucketFromTheHostUnderTheDomain) {
  absl::StatusOr<S3Target> t =
      ParseTarget("/a/b.txt", "Photos.S3.Example.com:9000", "s3.example.com");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->bucket, "photos");
  EXPECT_EQ(t->key, "a/b.txt");
  // The bare domain is path style.
  t = ParseTarget("/photos/a", "s3.example.com", "s3.example.com");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->bucket, "photos");
  EXPECT_EQ(t->key, "a");
}

TEST(S3Request, ClassifiesOperationsAndRefusesUnsupportedSubresources) {
  const S3Target service{}, bucket{"b", ""}, object{"b", "k"};
  EXPECT_EQ(Classify("GET", service, {}, false).operation, Operation::kListBuckets);
  EXPECT_EQ(Classify("PUT", bucket, {}, false).operation, Operation::kCreateBucket);
  EXPECT_EQ(Classify("HEAD", bucket, {}, false).operation, Operation::kHeadBucket);
  EXPECT_EQ(Classify("DELETE", bucket, {}, false).operation, Operation::kDeleteBucket);
  EXPECT_EQ(Classify("GET", bucket, {{"location", ""}}, false).operation,
            Operation::kGetBucketLocation);
  EXPECT_EQ(Classify("GET", bucket, {{"list-type", "2"}}, false).operation,
            Operation::kListObjectsV2);
  EXPECT_EQ(Classify("GET", bucket, {{"prefix", "a"}}, false).operation, Operation::kListObjects);
  EXPECT_EQ(Classify("POST", bucket, {{"delete", ""}}, false).operation, Operation::kDeleteObjects);
  EXPECT_EQ(Classify("PUT", object, {}, false).operation, Operation::kPutObject);
  EXPECT_EQ(Classify("PUT", object, {}, true).operation, Operation::kCopyObject);
  EXPECT_EQ(Classify("HEAD", object, {}, false).operation, Operation::kHeadObject);
  EXPECT_EQ(Classify("DELETE", object, {}, false).operation, Operation::kDeleteObject);

  Classified c = Classify("PUT", bucket, {{"versioning", ""}}, false);
  EXPECT_EQ(c.operation, Operation::kNotImplemented);
  EXPECT_EQ(c.name, "PutBucketVersioning");
  EXPECT_EQ(Classify("GET", bucket, {{"versioning", ""}}, false).operation,
            Operation::kGetBucketVersioning);
  for (const char* sub : {"acl", "policy", "lifecycle", "tagging", "cors"}) {
    EXPECT_EQ(Classify("GET", object, {{sub, ""}}, false).operation, Operation::kNotImplemented)
        << sub;
  }
  EXPECT_EQ(Classify("POST", service, {}, false).operation, Operation::kNotImplemented);
}

TEST(S3Names, BucketNamesFollowS3Rules) {
  for (const char* ok : {"abc", "my-bucket.v2", "a1b", "1.2.3.4.5"}) {
    EXPECT_TRUE(ValidateBucketName(ok).ok()) << ok;
  }
  EXPECT_TRUE(ValidateBucketName(std::string(63, 'a')).ok());
  for (const char* bad : {"ab", "Abc", "-abc", "abc-", "a..b", "192.168.1.1", "xn--abc",
                          "abc-s3alias", "a_b", "a b"}) {
    EXPECT_FALSE(ValidateBucketName(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidateBucketName(std::string(64, 'a')).ok());
}

TEST(S3Names, KeysMustBeFileNames) {
  EXPECT_TRUE(ValidateKey("b", "a/b c/d.txt").ok());
  for (const char* bad : {"", "/a", "a/", "a//b", "a/./b", "../a", "a\x01"}) {
    EXPECT_FALSE(ValidateKey("b", bad).ok()) << bad;
  }
  EXPECT_TRUE(ValidateKey("bb", std::string(1021, 'k')).ok());
  EXPECT_FALSE(ValidateKey("bb", std::string(1022, 'k')).ok());
  EXPECT_EQ(FileName("b", "k/x"), "b/k/x");
}

}  // namespace
}  // namespace datamesh::gateway::s3
