#include "services/file-ingest/audit_grpc.h"

#include <grpcpp/grpcpp.h>

#include "services/file-ingest/rpc_util.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {

absl::StatusOr<std::string> GrpcStripeReader::ReadRange(const NodeRef& node,
                                                        const std::string& shard_id,
                                                        uint64_t offset, uint64_t length) {
  std::string out;
  absl::Status status = stubs_.Run(node, [&](ChunkStubs::Stub& stub) {
    out.clear();
    grpc::ClientContext ctx;
    SetDeadline(ctx, timeout_);
    chunk::v1::GetShardRequest req;
    req.set_shard_id(shard_id);
    req.set_offset(offset);
    req.set_length(length);
    auto reader = stub.GetShard(&ctx, req);
    chunk::v1::GetShardResponse msg;
    while (reader->Read(&msg)) {
      if (out.size() + msg.data().size() > length) {
        ctx.TryCancel();
        break;
      }
      out += msg.data();
    }
    return FromGrpcStatus(reader->Finish());
  });
  if (!status.ok()) return status;
  if (out.size() != length) {
    return absl::DataLossError("the node answered a stripe of the wrong length");
  }
  return out;
}

absl::StatusOr<std::vector<NodeRef>> DisqualifiedAwareAdmin::LiveNodes() {
  ASSIGN_OR_RETURN(std::vector<NodeRef> live, inner_.LiveNodes());
  ASSIGN_OR_RETURN(std::set<std::string> out, store_.Disqualified());
  std::erase_if(live, [&](const NodeRef& n) { return out.count(n.id) > 0; });
  return live;
}

absl::StatusOr<std::map<std::string, absl::Time>> DisqualifiedAwareAdmin::DownNodes() {
  ASSIGN_OR_RETURN(auto down, inner_.DownNodes());
  ASSIGN_OR_RETURN(std::set<std::string> out, store_.Disqualified());
  for (const std::string& id : out) down[id] = absl::InfinitePast();
  return down;
}

absl::StatusOr<std::vector<NodeRef>> DisqualifiedAwarePlacement::Place(
    const std::string& key, int n, uint64_t shard_size, const std::vector<std::string>& exclude,
    bool allow_fewer) {
  ASSIGN_OR_RETURN(std::set<std::string> out, store_.Disqualified());
  std::vector<std::string> all = exclude;
  all.insert(all.end(), out.begin(), out.end());
  return inner_.Place(key, n, shard_size, all, allow_fewer);
}

absl::StatusOr<std::set<std::string>> DisqualifiedAwarePlacement::UpNodes() {
  ASSIGN_OR_RETURN(std::set<std::string> up, inner_.UpNodes());
  ASSIGN_OR_RETURN(std::set<std::string> out, store_.Disqualified());
  for (const std::string& id : out) up.erase(id);
  return up;
}

}  // namespace datamesh::file_ingest
