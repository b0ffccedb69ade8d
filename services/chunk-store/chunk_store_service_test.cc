#include "services/chunk-store/chunk_store_service.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

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
  auto file = std::filesystem::temp_directory_path() / ("dm-chunk-file-" + std::to_string(getpid()));
  { FILE* f = fopen(file.c_str(), "w"); ASSERT_NE(f, nullptr); fclose(f); }
  // A path below a regular file can never be a folder, whoever runs the test.
  EXPECT_THAT(CheckDataDir((file / "sub").string()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace datamesh::chunk_store
