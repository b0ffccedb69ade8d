#include "services/file-ingest/block_pool.h"

#include <sys/mman.h>

#include <bit>
#include <cstdlib>
#include <new>
#include <vector>

namespace datamesh::file_ingest {
namespace {

constexpr size_t kPage = 4096;
constexpr size_t kPagedUpTo = 64 << 10;
constexpr int kClassesPerDoubling = 8;

// Blocks from this size on are mapped directly rather than taken from malloc. glibc serves
// such sizes with mmap at first, but each free of one raises its mmap threshold (up to 32 MiB),
// after which they are carved from the per-thread arenas, which keep freed memory resident:
// with 50 transfers at once that was hundreds of MiB the process never gave back. Mapped
// blocks this pool does not keep go back to the kernel at once.
constexpr size_t kMappedFrom = 256 << 10;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

bool Mapped(size_t class_bytes, size_t alignment) {
  return class_bytes >= kMappedFrom && alignment <= kPage;
}

uint8_t* NewBlock(size_t class_bytes, size_t alignment) {
  if (Mapped(class_bytes, alignment)) {
    void* p =
        ::mmap(nullptr, class_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<uint8_t*>(p);
  }
  void* fresh = std::aligned_alloc(alignment, class_bytes);
  if (fresh == nullptr) throw std::bad_alloc();
  return static_cast<uint8_t*>(fresh);
}

void FreeBlock(uint8_t* block, size_t class_bytes, size_t alignment) {
  if (Mapped(class_bytes, alignment)) {
    ::munmap(block, class_bytes);
  } else {
    std::free(block);
  }
}

}  // namespace

BlockPool::BlockPool(size_t max_retained_bytes, absl::Duration max_idle,
                     std::function<absl::Time()> now)
    : max_retained_(max_retained_bytes), max_idle_(max_idle), now_(std::move(now)) {}

BlockPool::~BlockPool() {
  for (Kept& kept : lru_) FreeBlock(kept.block, kept.key.first, kept.key.second);
}

BlockPool& BlockPool::Shared() {
  // Never destroyed: blocks may be released by threads still running at exit.
  static BlockPool* pool = new BlockPool(size_t{64} << 20);
  return *pool;
}

size_t BlockPool::SizeClass(size_t bytes) {
  if (bytes <= kPagedUpTo) return RoundUp(std::max<size_t>(bytes, 1), kPage);
  // Between 2^p and 2^(p+1), classes are 2^p / 8 apart.
  const size_t floor_pow2 = std::bit_floor(bytes);
  return RoundUp(bytes, floor_pow2 / kClassesPerDoubling);
}

void BlockPool::EvictLocked(std::vector<std::pair<uint8_t*, Key>>& to_free) {
  const absl::Time idle_before = now_() - max_idle_;
  while (!lru_.empty() && (retained_ > max_retained_ || lru_.front().released < idle_before)) {
    Kept& oldest = lru_.front();
    auto range = free_.equal_range(oldest.key);
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second == lru_.begin()) {
        free_.erase(it);
        break;
      }
    }
    retained_ -= oldest.key.first;
    to_free.emplace_back(oldest.block, oldest.key);
    lru_.pop_front();
  }
}

uint8_t* BlockPool::Acquire(size_t bytes, size_t alignment) {
  const Key key{RoundUp(SizeClass(bytes), alignment), alignment};
  std::vector<std::pair<uint8_t*, Key>> to_free;
  uint8_t* block = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    EvictLocked(to_free);
    auto it = free_.find(key);
    if (it != free_.end()) {
      block = it->second->block;
      lru_.erase(it->second);
      free_.erase(it);
      retained_ -= key.first;
    }
  }
  // Outside the lock: munmap can take a while.
  for (auto& [p, k] : to_free) FreeBlock(p, k.first, k.second);
  if (block != nullptr) return block;
  return NewBlock(key.first, alignment);
}

void BlockPool::Release(uint8_t* block, size_t bytes, size_t alignment) {
  if (block == nullptr) return;
  const Key key{RoundUp(SizeClass(bytes), alignment), alignment};
  std::vector<std::pair<uint8_t*, Key>> to_free;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (key.first > max_retained_) {
      to_free.emplace_back(block, key);
    } else {
      // The newest block is kept and the oldest ones go: recently used memory is the most
      // likely to still be resident.
      lru_.push_back({key, block, now_()});
      free_.emplace(key, std::prev(lru_.end()));
      retained_ += key.first;
    }
    EvictLocked(to_free);
  }
  for (auto& [p, k] : to_free) FreeBlock(p, k.first, k.second);
}

size_t BlockPool::retained_bytes() {
  std::lock_guard<std::mutex> lock(mu_);
  return retained_;
}

size_t BlockPool::retained_blocks() {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace datamesh::file_ingest
