// LateShards: shard writes that outlive the acknowledgement of their segment. A segment is
// acknowledged once its written shards meet the write quorum and a short grace has passed
// (UploadPipeline); a write still running then is left to finish here, and its manifest row
// says `writing` until it ends: `stored` when the node acknowledged it, `missing` (repair
// writes it) when it failed. The upload hands its late writes over after its commit (Settle),
// or abandons them when it did not commit (Abandon: they are cancelled and their shards go the
// way of the upload's other orphans).
//
// Memory is bounded: each segment with late writes holds its encoded block until the last of
// them ends, and Reserve refuses once `budget_bytes` are held -- the pipeline then cancels the
// slow writes and places those shards elsewhere instead.
//
// Thread-safe. The destructor cancels what still runs and waits for it; rows it could not
// settle stay `writing`, and a repair pass settles them by asking the nodes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/file-ingest/manifest.h"
#include "services/file-ingest/shard_puts.h"

namespace datamesh::file_ingest {

// The writes one Settle call handed over, and who is told when the last of them is recorded.
struct SettleGroup;

// One write left running: shard `shard` of `puts`, recorded in the manifest at `where`.
struct LateWrite {
  std::shared_ptr<ShardPuts> puts;
  int shard = 0;
  SettledShard where;
  std::shared_ptr<void> reservation;   // the segment's share of the budget
  std::shared_ptr<SettleGroup> group;  // set by Settle
};

class LateShards {
 public:
  using SettleFn = std::function<absl::Status(const std::vector<SettledShard>&)>;
  // `settle` records outcomes in the manifest; `on_missing` is told when a write failed (so
  // repair can write the shard at once).
  // With `metrics`: datamesh_file_ingest_late_shard_writes_total{outcome="left_running",
  // "stored","missing"} and datamesh_file_ingest_late_shard_bytes_held.
  LateShards(uint64_t budget_bytes, SettleFn settle, std::function<void()> on_missing,
             prometheus::Registry* metrics = nullptr);
  ~LateShards();
  LateShards(const LateShards&) = delete;
  LateShards& operator=(const LateShards&) = delete;

  // Holds `bytes` of the budget while the returned handle lives; null when it is spent.
  std::shared_ptr<void> Reserve(uint64_t bytes);
  // Counts writes a segment left running (for the metric).
  void CountLeftRunning(size_t writes);
  // Told once every write of one Settle call has ended and is recorded: how many stored, how
  // many missing. Runs on the settling thread; must not call back into LateShards.
  using AllEndedFn = std::function<void(uint64_t stored, uint64_t missing)>;

  // The upload committed: record how each write ends, as it ends; then `all_ended` (if given,
  // and if there were writes at all).
  void Settle(std::vector<LateWrite> writes, AllEndedFn all_ended = nullptr);
  // The upload did not commit: stop the writes.
  void Abandon(std::vector<LateWrite> writes);

  uint64_t held_bytes() const;
  size_t running() const;

 private:
  void Loop();
  // Settles the ended writes of `pending_`; true when it made progress.
  void SettleEnded();

  const uint64_t budget_;
  const SettleFn settle_;
  const std::function<void()> on_missing_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  uint64_t held_ = 0;
  std::vector<LateWrite> pending_;  // committed, still running or not yet recorded
  // Ended, but the manifest update failed; with the group each belongs to.
  std::vector<std::pair<SettledShard, std::shared_ptr<SettleGroup>>> unrecorded_;
  std::vector<LateWrite> abandoned_;  // cancelled, maybe not ended yet
  prometheus::Counter* left_running_ = nullptr;
  prometheus::Counter* landed_ = nullptr;
  prometheus::Counter* failed_ = nullptr;
  prometheus::Gauge* held_gauge_ = nullptr;
  std::thread loop_;  // last: it uses the members above
};

}  // namespace datamesh::file_ingest
