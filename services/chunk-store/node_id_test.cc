#include "services/chunk-store/node_id.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "services/chunk-store/shard_store.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::chunk_store {
namespace {

namespace fs = std::filesystem;
using ::datamesh::testing::StatusIs;

class NodeIdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("dm-node-id-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "a");
    fs::create_directories(dir_ / "b");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(NodeIdTest, IsDrawnOnceAndKeptAcrossLoads) {
  auto first = LoadOrCreateNodeId((dir_ / "a").string());
  ASSERT_OK(first);
  EXPECT_OK(ValidateShardId(*first));  // same form: 64 lowercase hex chars
  auto again = LoadOrCreateNodeId((dir_ / "a").string());
  ASSERT_OK(again);
  EXPECT_EQ(*again, *first);
  auto other = LoadOrCreateNodeId((dir_ / "b").string());
  ASSERT_OK(other);
  EXPECT_NE(*other, *first);
  EXPECT_FALSE(fs::exists(dir_ / "a" / "node_id.tmp"));
}

TEST_F(NodeIdTest, AMangledIdFileIsRefusedRatherThanReplaced) {
  { std::ofstream(dir_ / "a" / "node_id") << "not-an-id\n"; }
  EXPECT_THAT(LoadOrCreateNodeId((dir_ / "a").string()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace datamesh::chunk_store
