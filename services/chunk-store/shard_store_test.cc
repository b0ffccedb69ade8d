#include "services/chunk-store/shard_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "services/chunk-store/shard_store_test_fixture.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::chunk_store {
namespace {

namespace fs = std::filesystem;
using ::datamesh::testing::StatusIs;

TEST_F(ShardStoreTest, StoresAShardUnderItsHashAndReadsItBack) {
  const std::string content = "the quick brown fox";
  const std::string id = IdOf(content);
  auto put = store_->Put(id, content);
  ASSERT_OK(put);
  EXPECT_FALSE(put->already_present);
  EXPECT_EQ(put->size, content.size());
  EXPECT_TRUE(*store_->Has(id));
  EXPECT_EQ(ReadRange(*store_, id, 0, 1000), content);
  EXPECT_EQ(ReadRange(*store_, id, 4, 5), "quick");
  EXPECT_EQ(ReadRange(*store_, id, content.size(), 10), "");
  EXPECT_TRUE(fs::is_regular_file(dir_ / "shards" / id.substr(0, 2) / id.substr(2, 2) / id));
  EXPECT_EQ(store_->Usage().used_bytes, content.size());
  EXPECT_EQ(store_->Usage().shard_count, 1u);
  EXPECT_TRUE(TmpIsEmpty());
}

TEST_F(ShardStoreTest, StoresAnEmptyShard) {
  const std::string id = IdOf("");
  ASSERT_OK(store_->Put(id, ""));
  auto reader = store_->OpenShard(id);
  ASSERT_OK(reader);
  EXPECT_EQ((*reader)->size(), 0u);
}

TEST_F(ShardStoreTest, APutOfAHeldShardIsANoOpThatStillCountsBytes) {
  const std::string content(5000, 'x');
  const std::string id = IdOf(content);
  ASSERT_OK(store_->Put(id, content));
  auto writer = store_->BeginPut(id, content.size());
  ASSERT_OK(writer);
  EXPECT_TRUE((*writer)->already_present());
  ASSERT_OK((*writer)->Append(content));
  auto again = (*writer)->Commit();
  ASSERT_OK(again);
  EXPECT_TRUE(again->already_present);
  EXPECT_EQ(store_->Usage().used_bytes, content.size());
  EXPECT_EQ(store_->Usage().shard_count, 1u);
  // The byte count is still checked.
  auto short_put = store_->BeginPut(id, content.size());
  ASSERT_OK(short_put);
  EXPECT_THAT((*short_put)->Commit(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ShardStoreTest, AHashMismatchIsRefusedAndLeavesNothing) {
  const std::string id = IdOf("expected content");
  EXPECT_THAT(store_->Put(id, "other content"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(*store_->Has(id));
  EXPECT_FALSE(fs::exists(store_->ShardPath(id)));
  EXPECT_TRUE(TmpIsEmpty());
  EXPECT_EQ(store_->Usage().used_bytes, 0u);
  EXPECT_EQ(store_->Usage().reserved_bytes, 0u);
}

TEST_F(ShardStoreTest, AByteCountDifferentFromTheDeclaredSizeIsRefused) {
  const std::string content = "0123456789";
  const std::string id = IdOf(content);
  {
    auto writer = store_->BeginPut(id, 5);
    ASSERT_OK(writer);
    EXPECT_THAT((*writer)->Append(content), StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_FALSE((*writer)->Commit().ok());
  }
  {
    auto writer = store_->BeginPut(id, 20);
    ASSERT_OK(writer);
    ASSERT_OK((*writer)->Append(content));
    EXPECT_THAT((*writer)->Commit(), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_FALSE(*store_->Has(id));
  EXPECT_TRUE(TmpIsEmpty());
  EXPECT_EQ(store_->Usage().reserved_bytes, 0u);
}

TEST_F(ShardStoreTest, AnAbandonedPutLeavesNothing) {
  const std::string content = "abandoned";
  {
    auto writer = store_->BeginPut(IdOf(content), content.size());
    ASSERT_OK(writer);
    ASSERT_OK((*writer)->Append("aband"));
    EXPECT_EQ(store_->Usage().reserved_bytes, content.size());
    EXPECT_FALSE(TmpIsEmpty());
  }
  EXPECT_TRUE(TmpIsEmpty());
  EXPECT_EQ(store_->Usage().reserved_bytes, 0u);
  EXPECT_FALSE(*store_->Has(IdOf(content)));
}

TEST_F(ShardStoreTest, RejectsIdsThatAreNotLowercaseHexSha256) {
  const std::string good = IdOf("x");
  std::string upper = good;
  upper[0] = 'A';
  const std::vector<std::string> bad = {"",
                                        "../x",
                                        good.substr(0, 63),
                                        good + "0",
                                        upper,
                                        "../" + good.substr(3),
                                        good.substr(0, 30) + "/../" + good.substr(34),
                                        std::string(64, 'g'),
                                        good.substr(0, 63) + std::string(1, '\0')};
  for (const std::string& id : bad) {
    EXPECT_THAT(store_->Put(id, "x"), StatusIs(absl::StatusCode::kInvalidArgument)) << id;
    EXPECT_THAT(store_->Has(id), StatusIs(absl::StatusCode::kInvalidArgument)) << id;
    EXPECT_THAT(store_->OpenShard(id), StatusIs(absl::StatusCode::kInvalidArgument)) << id;
    EXPECT_THAT(store_->Delete(id), StatusIs(absl::StatusCode::kInvalidArgument)) << id;
  }
  EXPECT_THAT(store_->List("../x", 10, std::nullopt), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Scrub({.cursor = "../x"}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(fs::is_empty(dir_ / "shards"));
}

TEST_F(ShardStoreTest, DeleteRemovesTheShardAndIsIdempotent) {
  const std::string content = "to delete";
  const std::string id = IdOf(content);
  ASSERT_OK(store_->Put(id, content));
  auto reader = store_->OpenShard(id);  // a read in progress keeps its bytes
  ASSERT_OK(reader);
  EXPECT_TRUE(*store_->Delete(id));
  EXPECT_FALSE(*store_->Delete(id));
  EXPECT_FALSE(*store_->Has(id));
  EXPECT_FALSE(fs::exists(store_->ShardPath(id)));
  EXPECT_THAT(store_->OpenShard(id), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(store_->Usage().used_bytes, 0u);
  std::string out(content.size(), '\0');
  ASSERT_OK((*reader)->ReadAt(0, out.data(), out.size()));
  EXPECT_EQ(out, content);
}

TEST_F(ShardStoreTest, CapacityIsEnforcedBeforeWriting) {
  ASSERT_NO_FATAL_FAILURE(Reopen(100));
  const std::string a(60, 'a');
  const std::string b(50, 'b');
  ASSERT_OK(store_->Put(IdOf(a), a));
  EXPECT_THAT(store_->BeginPut(IdOf(b), b.size()), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(store_->BeginPut(IdOf(b), UINT64_MAX),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(TmpIsEmpty());
  // An in-flight put holds its reservation: a second one cannot use the same room.
  const std::string c(40, 'c');
  auto first = store_->BeginPut(IdOf(c), c.size());
  ASSERT_OK(first);
  EXPECT_THAT(store_->BeginPut(IdOf(std::string(40, 'd')), 40),
              StatusIs(absl::StatusCode::kResourceExhausted));
  ASSERT_OK((*first)->Append(c));
  ASSERT_OK((*first)->Commit());
  EXPECT_EQ(store_->Usage().used_bytes, 100u);
  EXPECT_EQ(store_->Condition(), StoreCondition::kReadOnly);
}

TEST_F(ShardStoreTest, ListsInIdOrderWithCursorsAndAStoredBeforeFilter) {
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    std::string content = "shard " + std::to_string(i);
    ids.push_back(IdOf(content));
    ASSERT_OK(store_->Put(ids.back(), content));
  }
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto result = store_->List(cursor, 10, std::nullopt);
    ASSERT_OK(result);
    for (const ShardInfo& info : result->shards) seen.push_back(info.id);
    if (!result->next_cursor) break;
    cursor = *result->next_cursor;
  }
  EXPECT_EQ(seen, ids);
  auto none = store_->List("", 100, absl::FromUnixSeconds(1));
  ASSERT_OK(none);
  EXPECT_TRUE(none->shards.empty());
  auto all = store_->List("", 100, absl::Now() + absl::Hours(1));
  ASSERT_OK(all);
  EXPECT_EQ(all->shards.size(), 25u);
  EXPECT_FALSE(all->next_cursor.has_value());
}

void FlipAByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.is_open()) << path;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x01);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

TEST_F(ShardStoreTest, ScrubFindsAFlippedByteAndDeletesOnlyWhenAsked) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    std::string content(3000, static_cast<char>('a' + i));
    ids.push_back(IdOf(content));
    ASSERT_OK(store_->Put(ids.back(), content));
  }
  const std::string victim = ids[2];
  FlipAByte(store_->ShardPath(victim), 1234);

  // One shard per call: the cursor walks the whole index.
  std::vector<std::string> corrupt;
  uint64_t scanned = 0;
  std::string cursor;
  for (int call = 0; call < 10; ++call) {
    auto report = store_->Scrub({.cursor = cursor, .max_shards = 1});
    ASSERT_OK(report);
    scanned += report->shards_scanned;
    corrupt.insert(corrupt.end(), report->corrupt_ids.begin(), report->corrupt_ids.end());
    if (!report->next_cursor) break;
    cursor = *report->next_cursor;
  }
  EXPECT_EQ(scanned, 5u);
  EXPECT_EQ(corrupt, std::vector<std::string>{victim});
  EXPECT_TRUE(*store_->Has(victim));
  EXPECT_EQ(store_->Condition(), StoreCondition::kDegraded);

  auto report = store_->Scrub({.delete_corrupt = true});
  ASSERT_OK(report);
  EXPECT_EQ(report->shards_scanned, 5u);
  EXPECT_EQ(report->bytes_scanned, 5u * 3000);
  EXPECT_EQ(report->corrupt_ids, std::vector<std::string>{victim});
  EXPECT_FALSE(report->next_cursor.has_value());
  EXPECT_FALSE(*store_->Has(victim));
  EXPECT_EQ(store_->Usage().shard_count, 4u);
  auto clean = store_->Scrub({});
  ASSERT_OK(clean);
  EXPECT_TRUE(clean->corrupt_ids.empty());
  EXPECT_EQ(store_->Condition(), StoreCondition::kOk);
}

TEST_F(ShardStoreTest, ScrubStopsAtTheByteBoundButChecksAtLeastOneShard) {
  for (int i = 0; i < 3; ++i) {
    std::string content(1000, static_cast<char>('k' + i));
    ASSERT_OK(store_->Put(IdOf(content), content));
  }
  auto report = store_->Scrub({.max_bytes = 1});
  ASSERT_OK(report);
  EXPECT_EQ(report->shards_scanned, 1u);
  EXPECT_TRUE(report->next_cursor.has_value());
}

TEST_F(ShardStoreTest, ReopeningCleansTemporaryFilesAndCountsWhatIsHeld) {
  const std::string a(1234, 'a');
  const std::string b(4321, 'b');
  ASSERT_OK(store_->Put(IdOf(a), a));
  ASSERT_OK(store_->Put(IdOf(b), b));
  store_.reset();
  { std::ofstream(dir_ / "tmp" / "leftover.tmp") << "half a shard"; }
  ASSERT_NO_FATAL_FAILURE(Reopen(0));
  EXPECT_TRUE(TmpIsEmpty());
  EXPECT_EQ(store_->Usage().shard_count, 2u);
  EXPECT_EQ(store_->Usage().used_bytes, a.size() + b.size());
  EXPECT_EQ(ReadRange(*store_, IdOf(b), 0, b.size()), b);
}

TEST_F(ShardStoreTest, ASecondStoreCannotOpenAFolderInUse) {
  EXPECT_THAT(ShardStore::Open({.data_dir = dir_.string()}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace datamesh::chunk_store
