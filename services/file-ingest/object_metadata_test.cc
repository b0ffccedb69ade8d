#include "services/file-ingest/object_metadata.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "services/file-ingest/object_md5.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::file_ingest {
namespace {

using ::datamesh::testing::StatusIs;

TEST(ObjectMetadata, KeepsUserMetadataAndTheKeptHeaders) {
  EXPECT_OK(ValidateObjectMetadata({{"x-amz-meta-color", "blue"},
                                    {"content-disposition", "attachment; filename=\"a.txt\""},
                                    {"content-encoding", "gzip"},
                                    {"cache-control", "no-cache"},
                                    {"content-language", "fr"},
                                    {"expires", "Wed, 21 Oct 2026 07:28:00 GMT"},
                                    {"x-amz-meta-empty", ""},
                                    {"x-amz-meta-city", "Zürich 日本"}}));
}

TEST(ObjectMetadata, RefusesOtherKeysBadValuesAndTooMuch) {
  const auto invalid = StatusIs(absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ValidateObjectMetadata({{"content-type", "text/plain"}}), invalid);
  EXPECT_THAT(ValidateObjectMetadata({{"x-amz-meta-", "v"}}), invalid);
  EXPECT_THAT(ValidateObjectMetadata({{"X-Amz-Meta-Color", "v"}}), invalid);
  EXPECT_THAT(ValidateObjectMetadata({{"x-amz-meta-a b", "v"}}), invalid);
  EXPECT_THAT(ValidateObjectMetadata({{"x-amz-meta-a", "line\r\nbreak"}}), invalid);
  EXPECT_THAT(ValidateObjectMetadata({{"x-amz-meta-a", "\xff"}}), invalid);
  const std::string key = "x-amz-meta-big";
  EXPECT_OK(
      ValidateObjectMetadata({{key, std::string(kMaxObjectMetadataBytes - key.size(), 'v')}}));
  EXPECT_THAT(
      ValidateObjectMetadata({{key, std::string(kMaxObjectMetadataBytes - key.size() + 1, 'v')}}),
      invalid);
}

TEST(Md5Stream, MatchesOpenSslOverPieces) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>(i * 7));
  unsigned char expected[EVP_MAX_MD_SIZE];
  unsigned int expected_size = 0;
  ASSERT_EQ(EVP_Digest(data.data(), data.size(), expected, &expected_size, EVP_md5(), nullptr), 1);
  auto md5 = Md5Stream::Create();
  ASSERT_OK(md5);
  for (size_t at = 0; at < data.size(); at += 4099) (*md5)->Update(data.substr(at, 4099));
  auto hex = (*md5)->FinishHex();
  ASSERT_OK(hex);
  EXPECT_EQ(*hex, absl::BytesToHexString(std::string(reinterpret_cast<const char*>(expected), 16)));
}

TEST(Md5Stream, OfNothingIsTheEmptyDigest) {
  auto md5 = Md5Stream::Create();
  ASSERT_OK(md5);
  auto hex = (*md5)->FinishHex();
  ASSERT_OK(hex);
  EXPECT_EQ(*hex, "d41d8cd98f00b204e9800998ecf8427e");
}

}  // namespace
}  // namespace datamesh::file_ingest
