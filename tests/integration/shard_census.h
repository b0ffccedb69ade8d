// The shards a whole-stack test's chunk-stores hold, and the shards file-ingest's manifests
// reference, as sets of "<node id>/<shard id>": once garbage collection has run, the two must
// be equal (an extra held shard is a leak, an extra referenced one a loss). The stores are
// asked over gRPC (Stats, ListShards); the manifests are read from PostgreSQL.
//
// Thread-safe: each call opens its own channels and database connection.
#pragma once

#include <grpcpp/grpcpp.h>

#include <pqxx/pqxx>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "shared/testing/test_stack.h"

namespace datamesh::integration {

inline std::unique_ptr<chunk::v1::ChunkService::Stub> ChunkStoreStub(
    const testing::TestStack& stack, int store) {
  return chunk::v1::ChunkService::NewStub(
      grpc::CreateChannel(stack.Env(absl::StrCat("DM_CHUNK_STORE_", store, "_GRPC_ADDR")),
                          grpc::InsecureChannelCredentials()));
}

// The node id of chunk-store-`store` (1-based), or "" when it does not answer.
inline std::string ChunkStoreNodeId(const testing::TestStack& stack, int store) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  chunk::v1::StatsResponse resp;
  if (!ChunkStoreStub(stack, store)->Stats(&ctx, chunk::v1::StatsRequest(), &resp).ok()) return "";
  return resp.node_id();
}

// Every shard chunk-stores 1..`stores` hold. A store that does not answer is named in `error`
// (its shards are then missing from the set).
inline std::set<std::string> HeldShards(const testing::TestStack& stack, int stores,
                                        std::string* error) {
  std::set<std::string> held;
  for (int i = 1; i <= stores; ++i) {
    const std::string node = ChunkStoreNodeId(stack, i);
    auto stub = ChunkStoreStub(stack, i);
    chunk::v1::ListShardsRequest req;
    req.set_limit(10000);
    chunk::v1::ListShardsResponse resp;
    do {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      const grpc::Status s = stub->ListShards(&ctx, req, &resp);
      if (!s.ok() || node.empty()) {
        absl::StrAppend(error, "chunk-store-", i, " did not answer: ", s.error_message(), "; ");
        break;
      }
      for (const auto& shard : resp.shards())
        held.insert(absl::StrCat(node, "/", shard.shard_id()));
      req.set_cursor(resp.next_cursor());
    } while (resp.has_next_cursor());
  }
  return held;
}

// Every (node, shard) a manifest references. A row whose shard no node took (node_id '',
// waiting for repair) names no node that should hold it.
inline std::set<std::string> ReferencedShards(const std::string& pg_url) {
  pqxx::connection conn(pg_url);
  pqxx::read_transaction tx(conn);
  std::set<std::string> referenced;
  for (const auto& row :
       tx.exec("SELECT DISTINCT node_id, shard_id FROM files.shards WHERE node_id <> ''")) {
    referenced.insert(absl::StrCat(row[0].as<std::string>(), "/", row[1].as<std::string>()));
  }
  return referenced;
}

// Every (node, shard) a shard intent names: a write in flight, or one whose intent was left.
inline std::set<std::string> IntentShards(const std::string& pg_url) {
  pqxx::connection conn(pg_url);
  pqxx::read_transaction tx(conn);
  std::set<std::string> named;
  for (const auto& row : tx.exec("SELECT DISTINCT node_id, shard_id FROM files.shard_intents")) {
    named.insert(absl::StrCat(row[0].as<std::string>(), "/", row[1].as<std::string>()));
  }
  return named;
}

// The members of `a` not in `b`.
inline std::set<std::string> Minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  for (const std::string& s : a) {
    if (!b.count(s)) out.insert(s);
  }
  return out;
}

// "n in a not in b, e.g. x": a short account of a set difference for a failure message.
inline std::string Difference(const std::set<std::string>& a, const std::set<std::string>& b) {
  size_t n = 0;
  std::string example;
  for (const std::string& s : a) {
    if (b.count(s)) continue;
    if (n++ == 0) example = s;
  }
  return n == 0 ? "none" : absl::StrCat(n, ", e.g. ", example);
}

}  // namespace datamesh::integration
