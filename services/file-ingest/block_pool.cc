#include "services/file-ingest/block_pool.h"

#include <cstdlib>
#include <new>

namespace datamesh::file_ingest {

BlockPool::~BlockPool() {
  for (auto& [key, block] : free_) std::free(block);
}

BlockPool& BlockPool::Shared() {
  // Never destroyed: blocks may be released by threads still running at exit.
  static BlockPool* pool = new BlockPool(size_t{64} << 20);
  return *pool;
}

uint8_t* BlockPool::Acquire(size_t bytes, size_t alignment) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find({bytes, alignment});
    if (it != free_.end()) {
      uint8_t* block = it->second;
      free_.erase(it);
      retained_ -= bytes;
      return block;
    }
  }
  void* block = std::aligned_alloc(alignment, bytes);
  if (block == nullptr) throw std::bad_alloc();
  return static_cast<uint8_t*>(block);
}

void BlockPool::Release(uint8_t* block, size_t bytes, size_t alignment) {
  if (block == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (retained_ + bytes <= max_retained_) {
      free_.emplace(std::make_pair(bytes, alignment), block);
      retained_ += bytes;
      return;
    }
  }
  std::free(block);
}

size_t BlockPool::retained_bytes() {
  std::lock_guard<std::mutex> lock(mu_);
  return retained_;
}

}  // namespace datamesh::file_ingest
