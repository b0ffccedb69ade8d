// SegmentBudget: a process-wide cap on the memory that uploads' segments hold at once.
//
// Downloads charge the segments they read ahead (StreamRange): one that holds nothing waits
// like an upload; one that holds segments already only reads further ahead when TryAcquire
// finds room, so it never waits while holding.
//
// An upload charges one grant per segment before it buffers more than its first few bytes
// (UploadPipeline: past `inline_max_bytes`, so small files are never held back) and keeps it
// until the segment's job has ended: the grant covers the plaintext being filled, the queued
// segment, and the shard block it is encoded into (once encoded, only the block: ShrinkTo).
// Shard writes left running after the segment was acknowledged (LateShards) keep the block's
// grant until the last of them ends, so every segment byte in flight is counted here. An upload
// that finds the budget spent waits in Write and stops reading its stream, which also stops gRPC
// buffering for it.
//
// No deadlock, and a single upload always progresses: a waiting upload holds only grants of
// segments already handed to the worker pools, which finish without any further grant; grants
// are served in arrival order (a large one is not starved by small ones); and a charge larger
// than the whole budget is granted once nothing else is held.
//
// Thread-safe. Must outlive every grant.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace datamesh::file_ingest {

class SegmentBudget {
 public:
  // Bytes held by one grant; released when destroyed. Move-only; an empty grant holds nothing.
  class Grant {
   public:
    Grant() = default;
    Grant(Grant&& other) noexcept : budget_(other.budget_), bytes_(other.bytes_) {
      other.budget_ = nullptr;
    }
    Grant& operator=(Grant&& other) noexcept;
    Grant(const Grant&) = delete;
    Grant& operator=(const Grant&) = delete;
    ~Grant() { Release(); }
    void Release();
    // Gives back what this grant holds beyond `bytes` (a segment whose plaintext is freed
    // keeps only its shard block); no-op when it holds `bytes` or less.
    void ShrinkTo(uint64_t bytes);
    bool held() const { return budget_ != nullptr; }
    uint64_t bytes() const { return budget_ != nullptr ? bytes_ : 0; }

   private:
    friend class SegmentBudget;
    Grant(SegmentBudget* budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {}
    SegmentBudget* budget_ = nullptr;
    uint64_t bytes_ = 0;
  };

  // `capacity_bytes` > 0. With `metrics`: datamesh_file_ingest_segment_budget_bytes{state=
  // "held"|"capacity"}, datamesh_file_ingest_segment_budget_waiting (uploads waiting now) and
  // datamesh_file_ingest_segment_budget_waits_total (grants that had to wait).
  explicit SegmentBudget(uint64_t capacity_bytes, prometheus::Registry* metrics = nullptr);
  SegmentBudget(const SegmentBudget&) = delete;
  SegmentBudget& operator=(const SegmentBudget&) = delete;

  // Blocks until `bytes` fit (see above), then holds them.
  [[nodiscard]] Grant Acquire(uint64_t bytes);
  // Holds `bytes` if they fit now and nobody waits; otherwise an empty grant. Never waits: for
  // callers that already hold grants (a download reading further ahead).
  [[nodiscard]] Grant TryAcquire(uint64_t bytes);

  uint64_t capacity() const { return capacity_; }
  uint64_t held() const;
  // Acquire calls waiting now.
  int waiting() const;

 private:
  void Give(uint64_t bytes);
  void Publish();  // under mu_

  const uint64_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  uint64_t held_ = 0;
  uint64_t next_ticket_ = 0;     // handed to the next Acquire
  uint64_t serving_ticket_ = 0;  // the only one that may take bytes now
  int waiting_ = 0;
  prometheus::Gauge* held_gauge_ = nullptr;
  prometheus::Gauge* waiting_gauge_ = nullptr;
  prometheus::Counter* waits_ = nullptr;
};

}  // namespace datamesh::file_ingest
