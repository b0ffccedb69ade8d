// BlockPool: keeps freed segment-sized blocks for reuse. A segment's shards (k + m of about
// 1 MiB each by default) are encoded into and decoded from one aligned block, and an upload's
// segment is buffered in one; blocks of 256 KiB and more are mapped directly (not from malloc,
// whose arenas would keep them resident once freed), so allocating one per segment faults
// every page in again and freeing it returns them to the kernel. Reusing blocks avoids both.
//
// Blocks come in size classes (a request is rounded up to its class: whole 4 KiB pages up to
// 64 KiB, then eight classes per power of two, so at most 12.5% more than asked), so the odd
// sizes of compressed or short segments reuse each other's blocks instead of each keeping its
// own. Memory stays bounded two ways: at most `max_retained_bytes` of free blocks are kept
// (past it the least recently freed go back to the allocator first), and a block left unused
// for `max_idle` is freed at the next Acquire or Release, so a burst's memory does not stay.
//
// Thread-safe. One pool serves the whole process (Shared()), like the allocator it sits on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace datamesh::file_ingest {

class BlockPool {
 public:
  // `now` is the clock idle times are measured on (tests pass their own).
  explicit BlockPool(
      size_t max_retained_bytes, absl::Duration max_idle = absl::Seconds(30),
      std::function<absl::Time()> now = [] { return absl::Now(); });
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  // The process's pool (64 MiB of free blocks at most, each kept 30 s at most).
  static BlockPool& Shared();

  // The bytes a request of `bytes` is given: its size class.
  static size_t SizeClass(size_t bytes);

  // A block of at least `bytes` (its size class, a multiple of `alignment`, a power of two)
  // aligned to `alignment`: a kept one of that class and alignment, else a new one. Never null.
  uint8_t* Acquire(size_t bytes, size_t alignment);
  // Returns a block from Acquire, with the `bytes` and `alignment` it was acquired with.
  void Release(uint8_t* block, size_t bytes, size_t alignment);

  size_t retained_bytes();
  size_t retained_blocks();

 private:
  using Key = std::pair<size_t, size_t>;  // (class bytes, alignment)
  struct Kept {
    Key key;
    uint8_t* block;
    absl::Time released;
  };
  // Frees kept blocks idle longer than max_idle_, then the oldest while over the cap.
  void EvictLocked(std::vector<std::pair<uint8_t*, Key>>& to_free);

  const size_t max_retained_;
  const absl::Duration max_idle_;
  const std::function<absl::Time()> now_;
  std::mutex mu_;
  std::list<Kept> lru_;  // oldest release first
  std::multimap<Key, std::list<Kept>::iterator> free_;
  size_t retained_ = 0;
};

}  // namespace datamesh::file_ingest
