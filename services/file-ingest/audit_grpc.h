// The audits' seams over the network: GrpcStripeReader reads a shard's byte range with a
// ranged ChunkService.GetShard (nodes reached by id through ChunkStubs), and
// DisqualifiedAwareAdmin hides the nodes governance disqualified from the maintenance workers,
// so repair takes their shards for lost and rebuilds them elsewhere at once, and
// DisqualifiedAwarePlacement keeps repair from placing shards on them.
//
// Thread-safe.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "services/file-ingest/audit.h"
#include "services/file-ingest/audit_store.h"
#include "services/file-ingest/chunk_stubs.h"
#include "services/file-ingest/node_admin.h"

namespace datamesh::file_ingest {

class GrpcStripeReader final : public StripeReader {
 public:
  // `stubs` outlives the reader; each read ends `timeout` after it starts.
  GrpcStripeReader(absl::Duration timeout, ChunkStubs& stubs) : timeout_(timeout), stubs_(stubs) {}

  absl::StatusOr<std::string> ReadRange(const NodeRef& node, const std::string& shard_id,
                                        uint64_t offset, uint64_t length) override;

 private:
  const absl::Duration timeout_;
  ChunkStubs& stubs_;
};

// NodeAdmin that leaves out of LiveNodes the nodes in files.disqualified_nodes and lists them
// among DownNodes as down since forever (never "restarting", so never waited for). Everything
// else goes to `inner`. Both `inner` and `store` outlive it.
class DisqualifiedAwareAdmin final : public NodeAdmin {
 public:
  DisqualifiedAwareAdmin(NodeAdmin& inner, AuditStore& store) : inner_(inner), store_(store) {}

  absl::StatusOr<std::vector<NodeRef>> LiveNodes() override;
  absl::StatusOr<std::map<std::string, absl::Time>> DownNodes() override;
  absl::StatusOr<std::vector<bool>> HasShards(const NodeRef& node,
                                              const std::vector<std::string>& ids) override {
    return inner_.HasShards(node, ids);
  }
  absl::StatusOr<ShardPage> ListShards(const NodeRef& node, absl::Time stored_before,
                                       const std::string& cursor) override {
    return inner_.ListShards(node, stored_before, cursor);
  }
  absl::StatusOr<ScrubBatch> Scrub(const NodeRef& node, const std::string& cursor) override {
    return inner_.Scrub(node, cursor);
  }

 private:
  NodeAdmin& inner_;
  AuditStore& store_;
};

// Placement that never names a disqualified node, even when the caller asks with no
// exclusions (repair's fallback) and before dht has heard of the disqualification. Both
// `inner` and `store` outlive it.
class DisqualifiedAwarePlacement final : public Placement {
 public:
  DisqualifiedAwarePlacement(Placement& inner, AuditStore& store) : inner_(inner), store_(store) {}

  absl::StatusOr<std::vector<NodeRef>> Place(const std::string& key, int n, uint64_t shard_size,
                                             const std::vector<std::string>& exclude,
                                             bool allow_fewer) override;
  absl::StatusOr<std::set<std::string>> UpNodes() override;

 private:
  Placement& inner_;
  AuditStore& store_;
};

}  // namespace datamesh::file_ingest
