// ShardStore durability under concurrency: a shard is visible only after its folder fsync, a
// failed fsync leaves nothing, and a shard held in its fsync holds up no other shard. The tests
// hold or fail folder fsyncs through ShardStoreOptions::fsync_dir_for_test; while one is held
// they use EXPECT (never ASSERT), so the gate is always opened and no thread is left waiting.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "services/chunk-store/disk_io.h"
#include "services/chunk-store/shard_store.h"
#include "services/chunk-store/shard_store_test_fixture.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::chunk_store {
namespace {

namespace fs = std::filesystem;
using ::datamesh::testing::StatusIs;
using namespace std::chrono_literals;

// A folder fsync a test can hold: once armed, the first fsync of `dir` waits until Open(), then
// answers `result` (the real fsync when OK). Every other fsync runs at once.
class FsyncGate {
 public:
  void Arm(std::string dir, absl::Status result) {
    std::lock_guard<std::mutex> lock(mu_);
    dir_ = std::move(dir);
    result_ = std::move(result);
    armed_ = true;
  }
  bool AwaitHeld() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return held_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  absl::Status Sync(const std::string& dir) {
    std::unique_lock<std::mutex> lock(mu_);
    if (armed_ && dir == dir_) {
      armed_ = false;
      held_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
      if (!result_.ok()) return result_;
    }
    lock.unlock();
    return FsyncDir(dir);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string dir_;
  absl::Status result_;
  bool armed_ = false;
  bool held_ = false;
  bool open_ = false;
};

// Polls `done` for up to 10 s.
bool Eventually(const std::function<bool()>& done) {
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(1ms)) {
    if (done()) return true;
  }
  return false;
}

// `base` padded until its shard's fan-out folder differs from those of `ids`.
std::string ContentOutside(std::string base, const std::vector<std::string>& ids) {
  auto clashes = [&] {
    for (const std::string& id : ids) {
      if (IdOf(base).compare(0, 4, id, 0, 4) == 0) return true;
    }
    return false;
  };
  while (clashes()) base += '.';
  return base;
}

class ShardStoreDurabilityTest : public ShardStoreTest {
 protected:
  std::shared_ptr<FsyncGate> ReopenWithGate() {
    auto gate = std::make_shared<FsyncGate>();
    Reopen(0, [gate](const std::string& dir) { return gate->Sync(dir); });
    return gate;
  }
  std::string FolderOf(const std::string& id) const {
    return fs::path(store_->ShardPath(id)).parent_path().string();
  }
  // `put` wrote the shard, and the store holds it alone with no reservation or file left over.
  void ExpectStoredAlone(const absl::StatusOr<PutResult>& put, const std::string& content) {
    EXPECT_OK(put);
    EXPECT_FALSE(put.ok() && put->already_present);
    EXPECT_EQ(ReadRange(*store_, IdOf(content), 0, content.size()), content);
    EXPECT_EQ(store_->Usage().used_bytes, content.size());
    EXPECT_EQ(store_->Usage().reserved_bytes, 0u);
    EXPECT_TRUE(TmpIsEmpty());
  }
  // Starts a put of `content` on another thread.
  std::future<absl::StatusOr<PutResult>> PutAsync(const std::string& content) {
    return std::async(std::launch::async,
                      [this, content] { return store_->Put(IdOf(content), content); });
  }
};

TEST_F(ShardStoreDurabilityTest, AShardIsInvisibleUntilItsFolderIsSynced) {
  auto gate = ReopenWithGate();
  const std::string content(3000, 'v');
  const std::string id = IdOf(content);
  gate->Arm(FolderOf(id), absl::OkStatus());
  auto first = PutAsync(content);
  EXPECT_TRUE(gate->AwaitHeld());
  // Renamed into place but not yet durable: nothing may report it.
  EXPECT_TRUE(fs::exists(store_->ShardPath(id)));
  EXPECT_FALSE(*store_->Has(id));
  EXPECT_THAT(store_->OpenShard(id), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(store_->List("", 10, std::nullopt)->shards.empty());
  EXPECT_EQ(store_->Scrub({})->shards_scanned, 0u);
  EXPECT_EQ(store_->Usage().used_bytes, 0u);
  EXPECT_EQ(store_->Usage().reserved_bytes, content.size());
  // A second put of the shard waits for the first commit...
  auto second = PutAsync(content);
  EXPECT_TRUE(Eventually([&] { return store_->Usage().reserved_bytes == 2 * content.size(); }));
  EXPECT_EQ(second.wait_for(200ms), std::future_status::timeout);
  // ...while a put of a shard in another folder does not.
  const std::string other = ContentOutside("other", {id});
  auto unrelated = PutAsync(other);
  EXPECT_EQ(unrelated.wait_for(10s), std::future_status::ready);
  gate->Open();
  auto a = first.get();
  auto b = second.get();
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_FALSE(a->already_present);
  EXPECT_TRUE(b->already_present);
  EXPECT_OK(unrelated.get());
  EXPECT_TRUE(*store_->Has(id));
  EXPECT_EQ(store_->Usage().used_bytes, content.size() + other.size());
  EXPECT_EQ(store_->Usage().reserved_bytes, 0u);
  EXPECT_TRUE(TmpIsEmpty());
}

TEST_F(ShardStoreDurabilityTest, APutWaitingForAFailedCommitStoresTheShardItself) {
  auto gate = ReopenWithGate();
  const std::string content(3000, 'w');
  const std::string id = IdOf(content);
  gate->Arm(FolderOf(id), absl::UnavailableError("injected fsync failure"));
  auto first = PutAsync(content);
  EXPECT_TRUE(gate->AwaitHeld());
  auto second = PutAsync(content);
  EXPECT_TRUE(Eventually([&] { return store_->Usage().reserved_bytes == 2 * content.size(); }));
  EXPECT_EQ(second.wait_for(200ms), std::future_status::timeout);
  gate->Open();
  EXPECT_THAT(first.get(), StatusIs(absl::StatusCode::kUnavailable));
  ExpectStoredAlone(second.get(), content);
}

TEST_F(ShardStoreDurabilityTest, AFailedFolderSyncLeavesNothingVisible) {
  auto fail = std::make_shared<std::atomic<bool>>(false);
  Reopen(0, [fail](const std::string& dir) {
    return *fail ? absl::UnavailableError("injected fsync failure") : FsyncDir(dir);
  });
  const std::string content(4000, 'f');
  const std::string id = IdOf(content);
  *fail = true;
  EXPECT_THAT(store_->Put(id, content), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(*store_->Has(id));
  EXPECT_FALSE(fs::exists(store_->ShardPath(id)));
  EXPECT_TRUE(TmpIsEmpty());
  EXPECT_TRUE(store_->List("", 10, std::nullopt)->shards.empty());
  EXPECT_EQ(store_->Usage().used_bytes, 0u);
  EXPECT_EQ(store_->Usage().reserved_bytes, 0u);
  EXPECT_EQ(store_->Condition(), StoreCondition::kDegraded);
  *fail = false;
  auto put = store_->Put(id, content);
  ASSERT_OK(put);
  EXPECT_FALSE(put->already_present);
  EXPECT_EQ(store_->Condition(), StoreCondition::kOk);
  // A delete whose folder fsync fails still takes the shard out (its file is gone).
  *fail = true;
  EXPECT_THAT(store_->Delete(id), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(*store_->Has(id));
  EXPECT_EQ(store_->Usage().used_bytes, 0u);
}

TEST_F(ShardStoreDurabilityTest, ADeleteHeldInItsFolderSyncHoldsUpNoOtherShard) {
  auto gate = ReopenWithGate();
  const std::string x(2000, 'x');
  const std::string y = ContentOutside("y", {IdOf(x)});
  const std::string z = ContentOutside("z", {IdOf(x), IdOf(y)});
  ASSERT_OK(store_->Put(IdOf(x), x));
  ASSERT_OK(store_->Put(IdOf(y), y));
  gate->Arm(FolderOf(IdOf(x)), absl::OkStatus());
  auto deleting = std::async(std::launch::async, [&] { return store_->Delete(IdOf(x)); });
  EXPECT_TRUE(gate->AwaitHeld());
  EXPECT_FALSE(*store_->Has(IdOf(x)));  // out of the index before its file went
  // A second delete of it waits until the first one is durable.
  auto again = std::async(std::launch::async, [&] { return store_->Delete(IdOf(x)); });
  auto others = std::async(std::launch::async, [&] {
    EXPECT_EQ(ReadRange(*store_, IdOf(y), 0, y.size()), y);
    EXPECT_OK(store_->Put(IdOf(z), z));
    EXPECT_TRUE(store_->Delete(IdOf(y)).value_or(false));
    EXPECT_OK(store_->Scrub({}));
  });
  EXPECT_EQ(others.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(again.wait_for(200ms), std::future_status::timeout);
  gate->Open();
  EXPECT_TRUE(deleting.get().value_or(false));
  EXPECT_FALSE(again.get().value_or(true));
  others.get();
  EXPECT_FALSE(fs::exists(store_->ShardPath(IdOf(x))));
  EXPECT_EQ(store_->Usage().shard_count, 1u);
  EXPECT_EQ(store_->Usage().used_bytes, z.size());
}

TEST_F(ShardStoreDurabilityTest, APutOfAShardBeingDeletedWaitsForTheDelete) {
  auto gate = ReopenWithGate();
  const std::string content(2500, 'd');
  const std::string id = IdOf(content);
  ASSERT_OK(store_->Put(id, content));
  gate->Arm(FolderOf(id), absl::OkStatus());
  auto deleting = std::async(std::launch::async, [&] { return store_->Delete(id); });
  EXPECT_TRUE(gate->AwaitHeld());
  // The put may not rename its file into the path the delete is still working on.
  auto put = PutAsync(content);
  EXPECT_TRUE(Eventually([&] { return store_->Usage().reserved_bytes == content.size(); }));
  EXPECT_EQ(put.wait_for(200ms), std::future_status::timeout);
  gate->Open();
  EXPECT_TRUE(deleting.get().value_or(false));
  ExpectStoredAlone(put.get(), content);
}

}  // namespace
}  // namespace datamesh::chunk_store
