// ShardPuts: the shard writes of one segment, run on the shard I/O pool (worker_pool.h), which
// the segment can stop waiting for. A write keeps what it needs alive (`keep_alive`: the encoded
// segment its bytes point into, and whatever owns the store) until it ends, so a slow write can be
// left running after the segment is acknowledged (see LateShards) or abandoned (Cancel).
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/file-ingest/shard_backend.h"
#include "services/file-ingest/worker_pool.h"

namespace datamesh::file_ingest {

class ShardPuts : public std::enable_shared_from_this<ShardPuts> {
 public:
  // Use Create: the writes hold a reference to this object.
  // `pools` (null: TransferPools::Shared()) must outlive every write.
  static std::shared_ptr<ShardPuts> Create(int shards, TransferPools* pools = nullptr);

  // Starts the write of shard `i`: `data` must stay valid while `keep_alive` is held.
  void Start(int i, ShardStore& store, NodeRef node, std::string shard_id, std::string_view data,
             std::shared_ptr<const void> keep_alive);
  // Waits until a write not reported yet has ended, or until `deadline`; returns those ended
  // since the last call (empty: the deadline passed first, or every write was reported).
  std::vector<int> WaitAny(absl::Time deadline);
  // Waits for write `i` to end; its status.
  absl::Status Wait(int i);
  // Whether write `i` has ended, and how.
  std::optional<absl::Status> Result(int i);
  void Cancel(int i) { cancels_[i].Cancel(); }

  ShardPuts(int shards, TransferPools* pools)
      : pools_(pools), cancels_(shards), results_(shards), reported_(shards) {}

 private:
  TransferPools* const pools_;
  std::vector<CallCancel> cancels_;
  std::mutex mu_;
  std::condition_variable ended_;
  std::vector<std::optional<absl::Status>> results_;
  std::vector<bool> reported_;
};

}  // namespace datamesh::file_ingest
