// BlockPool: keeps freed segment-sized blocks for reuse. A segment's shards (k + m of about
// 1 MiB each by default) are encoded into and decoded from one aligned block; blocks that
// large come from mmap, so allocating one per segment faults every page in again and freeing
// it returns them to the kernel. Reusing blocks of the same size avoids both; the pool keeps
// at most `max_retained_bytes` of free blocks, so memory stays bounded.
//
// Thread-safe. One pool serves the whole process (Shared()), like the allocator it sits on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace datamesh::file_ingest {

class BlockPool {
 public:
  explicit BlockPool(size_t max_retained_bytes) : max_retained_(max_retained_bytes) {}
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  // The process's pool (64 MiB of free blocks at most).
  static BlockPool& Shared();

  // A block of `bytes` (a multiple of `alignment`) aligned to `alignment`: a kept one of that
  // exact size and alignment, else a new one. Never null.
  uint8_t* Acquire(size_t bytes, size_t alignment);
  // Returns a block from Acquire with the same size and alignment.
  void Release(uint8_t* block, size_t bytes, size_t alignment);

  size_t retained_bytes();

 private:
  std::mutex mu_;
  std::multimap<std::pair<size_t, size_t>, uint8_t*> free_;  // (bytes, alignment) -> block
  size_t retained_ = 0;
  const size_t max_retained_;
};

}  // namespace datamesh::file_ingest
