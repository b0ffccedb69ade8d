// The seams between the pipeline and the storage network: where shards go (Placement, backed
// by dht) and how shard bytes move (ShardStore, backed by chunk-stores). The gRPC
// implementations live in grpc_backends.h; tests substitute in-process fakes.
//
// Implementations must be thread-safe: the pipeline calls them from many threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace datamesh::file_ingest {

// Marks an UNAVAILABLE that means "not enough storage nodes to place a file"; the upload answers
// it with `dm-error-code: STORAGE_UNAVAILABLE` so the edge can show its message.
inline constexpr char kStorageNodesPayload[] = "type.datamesh/file-ingest.storage-nodes";

// A storage node as the manifest records it.
struct NodeRef {
  std::string id;
  std::string address;
};

class Placement {
 public:
  virtual ~Placement() = default;
  // `n` distinct writable nodes for the shards of a segment keyed `key`, in shard order,
  // excluding `exclude` (node ids). FAILED_PRECONDITION/UNAVAILABLE when not enough exist,
  // unless `allow_fewer`: then every eligible node, up to n (possibly none), still spread
  // over zones -- the caller decides whether that many will do.
  [[nodiscard]] virtual absl::StatusOr<std::vector<NodeRef>> Place(
      const std::string& key, int n, uint64_t shard_size, const std::vector<std::string>& exclude,
      bool allow_fewer) = 0;
  // Ids of the nodes that are up now.
  [[nodiscard]] virtual absl::StatusOr<std::set<std::string>> UpNodes() = 0;
};

// Lets the caller of a running Put or GetInto give up on it: the call then ends soon with
// CANCELLED (or OK, if the node answered first). Thread-safe.
class CallCancel {
 public:
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (abort_) abort_();
  }
  // For implementations: Cancel() runs `abort` (under this object's lock, so `abort` must not
  // block) until it is replaced by nullptr. False (and `abort` not kept) when already cancelled.
  bool SetAbort(std::function<void()> abort) {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_ && abort) return false;
    abort_ = std::move(abort);
    return true;
  }

 private:
  std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> abort_;
};

class ShardStore {
 public:
  virtual ~ShardStore() = default;
  // Stores `data` under `shard_id` on `node`; OK once the node acknowledged it durable.
  [[nodiscard]] virtual absl::Status Put(const NodeRef& node, const std::string& shard_id,
                                         std::string_view data) = 0;
  // The same, abandoned when `cancel` is cancelled. Stores that cannot abandon a write just
  // finish it.
  [[nodiscard]] virtual absl::Status Put(const NodeRef& node, const std::string& shard_id,
                                         std::string_view data, CallCancel& /*cancel*/) {
    return Put(node, shard_id, data);
  }
  // Reads the whole shard into `out`, which must be exactly its size (else DATA_LOSS). The
  // caller verifies the hash. Any error means "not readable from this node now".
  [[nodiscard]] virtual absl::Status GetInto(const NodeRef& node, const std::string& shard_id,
                                             std::span<uint8_t> out) = 0;
  // The same, abandoned when `cancel` is cancelled; once it returns, `out` is written no more.
  [[nodiscard]] virtual absl::Status GetInto(const NodeRef& node, const std::string& shard_id,
                                             std::span<uint8_t> out, CallCancel& /*cancel*/) {
    return GetInto(node, shard_id, out);
  }
  // Deletes the shard; OK when it is not held.
  [[nodiscard]] virtual absl::Status Delete(const NodeRef& node, const std::string& shard_id) = 0;
};

}  // namespace datamesh::file_ingest
