#include "services/chunk-store/chunk_store_service.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "services/chunk-store/node_heartbeat.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::chunk_store {
namespace {

using ::datamesh::testing::StatusIs;

TEST(CheckDataDir, CreatesAMissingFolderAndLeavesNoProbeBehind) {
  auto dir = std::filesystem::temp_directory_path() / ("dm-chunk-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  ASSERT_OK(CheckDataDir((dir / "a" / "b").string()));
  EXPECT_TRUE(std::filesystem::is_directory(dir / "a" / "b"));
  EXPECT_TRUE(std::filesystem::is_empty(dir / "a" / "b"));
  std::filesystem::remove_all(dir);
}

TEST(CheckDataDir, FailsWhenTheFolderCannotBeCreated) {
  auto file =
      std::filesystem::temp_directory_path() / ("dm-chunk-file-" + std::to_string(getpid()));
  {
    FILE* f = fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fclose(f);
  }
  // A path below a regular file can never be a folder, whoever runs the test.
  EXPECT_THAT(CheckDataDir((file / "sub").string()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  std::filesystem::remove(file);
}

TEST(MakeNodeHeartbeat, CarriesIdentityUsageAndHealth) {
  NodeIdentity identity{.node_id = std::string(64, 'a'),
                        .zone = "zone-2",
                        .operator_id = "op",
                        .version = "1.2.3",
                        .started_at = absl::FromUnixSeconds(1000)};
  StoreUsage usage{.capacity_bytes = 100, .used_bytes = 40, .reserved_bytes = 5, .shard_count = 3};
  auto beat = MakeNodeHeartbeat(identity, "10.0.0.1:7004", usage, StoreCondition::kOk, true);
  EXPECT_EQ(beat.node_id(), identity.node_id);
  EXPECT_EQ(beat.address(), "10.0.0.1:7004");
  EXPECT_EQ(beat.zone(), "zone-2");
  EXPECT_EQ(beat.capacity_bytes(), 100u);
  EXPECT_EQ(beat.used_bytes(), 40u);
  EXPECT_EQ(beat.shard_count(), 3u);
  EXPECT_EQ(beat.operator_id(), "op");
  EXPECT_EQ(beat.started_at().seconds(), 1000);
  EXPECT_EQ(beat.health(), events::v1::NODE_HEALTH_OK);
  EXPECT_EQ(MakeNodeHeartbeat(identity, "a:1", usage, StoreCondition::kDegraded, true).health(),
            events::v1::NODE_HEALTH_DEGRADED);
  EXPECT_EQ(MakeNodeHeartbeat(identity, "a:1", usage, StoreCondition::kReadOnly, true).health(),
            events::v1::NODE_HEALTH_READ_ONLY);
  EXPECT_EQ(MakeNodeHeartbeat(identity, "a:1", usage, StoreCondition::kDegraded, false).health(),
            events::v1::NODE_HEALTH_READ_ONLY);
}

}  // namespace
}  // namespace datamesh::chunk_store
