// ShardStore under concurrency, real files and no test seam: capacity, puts of one shard, and
// many threads putting, deleting, reading and scrubbing that end with exact counts.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "services/chunk-store/shard_store.h"
#include "services/chunk-store/shard_store_test_fixture.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::chunk_store {
namespace {

namespace fs = std::filesystem;

using ShardStoreConcurrencyTest = ShardStoreTest;

TEST_F(ShardStoreConcurrencyTest, ConcurrentPutsNeverExceedCapacity) {
  ASSERT_NO_FATAL_FAILURE(Reopen(5 * 1000));
  std::atomic<int> stored{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      const std::string content(1000, static_cast<char>('A' + t));
      absl::StatusOr<PutResult> r = store_->Put(IdOf(content), content);
      if (r.ok()) ++stored;
      if (r.status().code() == absl::StatusCode::kResourceExhausted) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(stored.load(), 5);
  EXPECT_EQ(refused.load(), 11);
  EXPECT_EQ(store_->Usage().used_bytes, 5000u);
  EXPECT_EQ(store_->Usage().reserved_bytes, 0u);
  EXPECT_TRUE(TmpIsEmpty());
}

TEST_F(ShardStoreConcurrencyTest, ConcurrentPutsOfOneShardWriteItOnce) {
  const std::string content(100000, 'z');
  const std::string id = IdOf(content);
  std::atomic<int> written{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      absl::StatusOr<PutResult> r = store_->Put(id, content);
      EXPECT_OK(r);
      if (r.ok() && !r->already_present) ++written;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(written.load(), 1);
  EXPECT_EQ(store_->Usage().shard_count, 1u);
  EXPECT_EQ(store_->Usage().used_bytes, content.size());
  EXPECT_TRUE(TmpIsEmpty());
}

// Every writer is begun before any commits, so all of them race in the commit itself.
TEST_F(ShardStoreConcurrencyTest, ConcurrentCommitsOfOneShardStoreItOnce) {
  constexpr int kWriters = 8;
  const std::string content(20000, 'c');
  std::vector<std::unique_ptr<ShardWriter>> writers;
  for (int i = 0; i < kWriters; ++i) {
    auto writer = store_->BeginPut(IdOf(content), content.size());
    ASSERT_OK(writer);
    ASSERT_FALSE((*writer)->already_present());
    ASSERT_OK((*writer)->Append(content));
    writers.push_back(std::move(*writer));
  }
  EXPECT_EQ(store_->Usage().reserved_bytes, kWriters * content.size());
  std::latch start(kWriters);
  std::atomic<int> written{0};
  std::vector<std::thread> threads;
  for (auto& writer : writers) {
    threads.emplace_back([&, w = writer.get()] {
      start.arrive_and_wait();
      absl::StatusOr<PutResult> r = w->Commit();
      EXPECT_OK(r);
      if (r.ok() && !r->already_present) ++written;
    });
  }
  for (auto& t : threads) t.join();
  writers.clear();
  EXPECT_EQ(written.load(), 1);
  EXPECT_EQ(store_->Usage().shard_count, 1u);
  EXPECT_EQ(store_->Usage().used_bytes, content.size());
  EXPECT_EQ(store_->Usage().reserved_bytes, 0u);
  EXPECT_TRUE(TmpIsEmpty());
}

TEST_F(ShardStoreConcurrencyTest, ManyThreadsPuttingAndDeletingShardsKeepExactCounts) {
  constexpr int kThreads = 8;
  constexpr int kShards = 30;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      EXPECT_OK(store_->List("", 10000, std::nullopt));
      EXPECT_OK(store_->Scrub({.max_shards = 50}));
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kShards; ++i) {
        const std::string content =
            "t" + std::to_string(t) + "-" + std::to_string(i) + std::string(i * 37, 'a');
        auto put = store_->Put(IdOf(content), content);
        EXPECT_TRUE(put.ok() && !put->already_present) << put.status();
        if (i % 2 == 1) {
          EXPECT_TRUE(store_->Delete(IdOf(content)).value_or(false));
        } else {
          auto again = store_->Put(IdOf(content), content);
          EXPECT_TRUE(again.ok() && again->already_present) << again.status();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  done = true;
  reader.join();
  std::set<std::string> expected;
  uint64_t bytes = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kShards; i += 2) {
      const std::string content =
          "t" + std::to_string(t) + "-" + std::to_string(i) + std::string(i * 37, 'a');
      expected.insert(IdOf(content));
      bytes += content.size();
    }
  }
  auto page = store_->List("", 10000, std::nullopt);
  ASSERT_OK(page);
  std::set<std::string> listed;
  for (const ShardInfo& info : page->shards) listed.insert(info.id);
  EXPECT_EQ(listed, expected);
  EXPECT_EQ(store_->Usage().used_bytes, bytes);
  EXPECT_EQ(store_->Usage().reserved_bytes, 0u);
  EXPECT_TRUE(TmpIsEmpty());
  ASSERT_NO_FATAL_FAILURE(Reopen(0));  // the disk agrees with the index
  EXPECT_EQ(store_->Usage().shard_count, expected.size());
  EXPECT_EQ(store_->Usage().used_bytes, bytes);
}

TEST_F(ShardStoreConcurrencyTest, RacingPutsDeletesReadsAndScrubsOfOneShardKeepDiskAndIndexInStep) {
  const std::string content(50000, 'r');
  const std::string id = IdOf(content);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 60; ++i) {
        absl::StatusOr<PutResult> put = store_->Put(id, content);
        // ABORTED: a put found the shard held, and a delete removed it before its commit.
        EXPECT_TRUE(put.ok() || put.status().code() == absl::StatusCode::kAborted) << put.status();
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 60; ++i) EXPECT_OK(store_->Delete(id));
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 60; ++i) {
      auto report = store_->Scrub({.delete_corrupt = true});
      EXPECT_TRUE(report.ok() && report->corrupt_ids.empty());
      auto reader = store_->OpenShard(id);
      if (!reader.ok()) continue;
      std::string out(content.size(), '\0');
      EXPECT_EQ((*reader)->ReadAt(0, out.data(), out.size()).value_or(0), content.size());
      EXPECT_EQ(out, content);
    }
  });
  for (auto& t : threads) t.join();
  const bool held = *store_->Has(id);
  EXPECT_EQ(fs::exists(store_->ShardPath(id)), held);
  EXPECT_EQ(store_->Usage().used_bytes, held ? content.size() : 0u);
  EXPECT_EQ(store_->Usage().reserved_bytes, 0u);
  EXPECT_TRUE(TmpIsEmpty());
  ASSERT_NO_FATAL_FAILURE(Reopen(0));
  EXPECT_EQ(store_->Usage().shard_count, held ? 1u : 0u);
}

}  // namespace
}  // namespace datamesh::chunk_store
