// NodeAdmin: what the maintenance workers ask of the storage network beyond reading and writing
// shards: which nodes are up (with addresses), which shards a node holds, its shard listing
// for garbage collection and its scrub. GrpcNodeAdmin (grpc_node_admin.cc) asks dht and the
// chunk-stores; tests substitute fakes.
//
// Implementations must be thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/file-ingest/shard_backend.h"

namespace datamesh::file_ingest {

struct ShardPage {
  std::vector<std::string> shard_ids;
  std::optional<std::string> next_cursor;  // absent at the end
};

struct ScrubBatch {
  uint64_t scanned = 0;
  std::vector<std::string> corrupt_shard_ids;  // deleted by the node already
  std::optional<std::string> next_cursor;      // absent when the whole disk was covered
};

class NodeAdmin {
 public:
  virtual ~NodeAdmin() = default;
  // Nodes dht lists as up.
  [[nodiscard]] virtual absl::StatusOr<std::vector<NodeRef>> LiveNodes() = 0;
  // Nodes dht lists as down, each with the time of its last heartbeat.
  [[nodiscard]] virtual absl::StatusOr<std::map<std::string, absl::Time>> DownNodes() = 0;
  // present[i] for ids[i]; at most kMaxHasShards ids.
  [[nodiscard]] virtual absl::StatusOr<std::vector<bool>> HasShards(
      const NodeRef& node, const std::vector<std::string>& ids) = 0;
  // A page of the shards the node stored before `stored_before`.
  [[nodiscard]] virtual absl::StatusOr<ShardPage> ListShards(const NodeRef& node,
                                                             absl::Time stored_before,
                                                             const std::string& cursor) = 0;
  // Re-hashes the next batch of shards; corrupt ones are deleted by the node and reported.
  [[nodiscard]] virtual absl::StatusOr<ScrubBatch> Scrub(const NodeRef& node,
                                                         const std::string& cursor) = 0;
};

inline constexpr size_t kMaxHasShards = 10000;

}  // namespace datamesh::file_ingest
