// ChunkStubs: one gRPC channel and stub per chunk-store address, shared by the shard reads and
// writes (GrpcShardStore) and the maintenance calls (GrpcNodeAdmin). A node is looked up by id
// through the NodeDirectory, so a node that moved is reached at its new address; a call that
// finds nothing at the old one makes the directory re-read the dht's list, and runs again at
// the new address if there is one.
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "services/file-ingest/node_directory.h"
#include "services/file-ingest/shard_backend.h"

namespace datamesh::file_ingest {

// The HTTP/2 flow-control window of each stream that carries shard or upload bytes (BDP
// probing off): what gRPC may buffer for a stream nobody is reading yet.
inline constexpr int kShardStreamWindowBytes = 256 << 10;

class ChunkStubs {
 public:
  // `directory` may be null: then the manifest's addresses are used as they are.
  explicit ChunkStubs(NodeDirectory* directory) : directory_(directory) {}

  using Stub = chunk::v1::ChunkService::Stub;

  // Runs `call` (absl::Status(Stub&)) against the node. When the node was unreachable
  // (UNAVAILABLE, DEADLINE_EXCEEDED) the directory looks for a new address, and if the node
  // turns out to have moved, `call` runs once more there. `call` must be safe to repeat
  // (shard writes are idempotent).
  template <typename Call>
  absl::Status Run(const NodeRef& node, Call&& call) {
    std::string address = AddressOf(node);
    absl::Status status = call(*StubAt(address));
    if (status.ok() || !Unreachable(status) || !MovedFrom(node, address)) return status;
    return call(*StubAt(AddressOf(node)));
  }

 private:
  static bool Unreachable(const absl::Status& status) {
    return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
  }
  std::string AddressOf(const NodeRef& node);
  std::shared_ptr<Stub> StubAt(const std::string& address);
  // Asks the directory again after a failed call to `address`; true if it now says elsewhere.
  bool MovedFrom(const NodeRef& node, const std::string& address);

  NodeDirectory* const directory_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<chunk::v1::ChunkService::Stub>> stubs_;
};

}  // namespace datamesh::file_ingest
