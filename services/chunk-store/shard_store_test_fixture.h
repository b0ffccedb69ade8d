// The fixture the ShardStore tests share: a store over a fresh temporary folder (real files),
// and small helpers.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "services/chunk-store/shard_store.h"
#include "shared/crypto/hash.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::chunk_store {

// The id of a shard with this content.
inline std::string IdOf(std::string_view content) { return *crypto::Sha256Hex(content); }

inline std::string ReadRange(const ShardStore& store, const std::string& id, uint64_t offset,
                             size_t n) {
  auto reader = store.OpenShard(id);
  EXPECT_OK(reader);
  if (!reader.ok()) return "";
  std::string out(n, '\0');
  auto got = (*reader)->ReadAt(offset, out.data(), n);
  EXPECT_OK(got);
  out.resize(got.ok() ? *got : 0);
  return out;
}

class ShardStoreTest : public ::testing::Test {
 protected:
  using FsyncHook = std::function<absl::Status(const std::string& dir)>;

  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("dm-shards-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = OpenStore(0);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<ShardStore> OpenStore(uint64_t capacity, FsyncHook hook = nullptr) {
    auto store = ShardStore::Open({.data_dir = dir_.string(),
                                   .capacity_bytes = capacity,
                                   .fsync_dir_for_test = std::move(hook)});
    EXPECT_OK(store);
    return store.ok() ? std::move(*store) : nullptr;
  }
  // Closes the current store first: the folder lock admits one store at a time.
  void Reopen(uint64_t capacity, FsyncHook hook = nullptr) {
    store_.reset();
    store_ = OpenStore(capacity, std::move(hook));
    ASSERT_NE(store_, nullptr);
  }
  bool TmpIsEmpty() const { return std::filesystem::is_empty(dir_ / "tmp"); }

  std::filesystem::path dir_;
  std::unique_ptr<ShardStore> store_;
};

}  // namespace datamesh::chunk_store
