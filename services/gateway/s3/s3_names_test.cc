#include "services/gateway/s3/s3_names.h"

#include <gtest/gtest.h>

namespace datamesh::gateway::s3 {
namespace {

TEST(S3Names, KeysWithControlCharactersAreRefused) {
  EXPECT_EQ(ValidateKey("b", "x\xc2\x8a").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateKey("b", "x\ty").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateKey("b", "caf\xc3\xa9/menu.txt").ok());
}

}  // namespace
}  // namespace datamesh::gateway::s3
