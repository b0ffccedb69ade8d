#include "services/file-ingest/chunk_stubs.h"

#include "shared/server/channels.h"

namespace datamesh::file_ingest {
namespace {

// Shard bytes flow both ways on these channels (PutShard, GetShard), up to 64 calls at once.
// gRPC's BDP probing grows each stream's receive window to megabytes on loopback, so reads
// that run ahead of their consumer pile up in gRPC's buffers; a fixed window bounds that, and
// a pending read still opens the window for the whole message it waits for.
grpc::ChannelArguments ShardChannelArgs() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, kShardStreamWindowBytes);
  return args;
}

}  // namespace

std::string ChunkStubs::AddressOf(const NodeRef& node) {
  return directory_ ? directory_->AddressOf(node) : node.address;
}

std::shared_ptr<ChunkStubs::Stub> ChunkStubs::StubAt(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& stub = stubs_[address];
  if (!stub)
    stub = chunk::v1::ChunkService::NewStub(server::ServiceChannel(address, ShardChannelArgs()));
  return stub;
}

bool ChunkStubs::MovedFrom(const NodeRef& node, const std::string& address) {
  if (directory_ == nullptr) return false;
  directory_->Failed(node);
  return directory_->AddressOf(node) != address;
}

}  // namespace datamesh::file_ingest
