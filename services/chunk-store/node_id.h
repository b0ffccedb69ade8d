// The node's persistent identity: a random 256-bit id, drawn at the first start and kept in
// <data_dir>/node_id, so a node keeps its place in the DHT across restarts (and a wiped disk
// becomes a new node, which is what placement must believe).
//
// Thread-safe (no shared state), but two processes must not share a data folder (the shard
// store locks it).
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace datamesh::chunk_store {

// Reads the node id stored in `data_dir`, or draws one and stores it atomically (temp file,
// fsync, rename, fsync folder). Returns 64 lowercase hex chars. FAILED_PRECONDITION when the
// stored file is not a valid id (an operator must look: silently changing identity would
// orphan the node's shards); UNAVAILABLE/INTERNAL when the disk fails.
[[nodiscard]] absl::StatusOr<std::string> LoadOrCreateNodeId(const std::string& data_dir);

}  // namespace datamesh::chunk_store
