// Manifest records: what file-ingest keeps in PostgreSQL about a stored file.
//
// A File (name, tags, owner) points at a Content: the encrypted, erasure-coded bytes with
// their data key. Several files of one owner with the same bytes share one Content
// (deduplication; the content is reference-counted). The content id is the id of the file whose
// upload wrote it, and it is what segment AADs and the wrapped key's AAD bind.
//
// Plain values; copy freely.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "services/file-ingest/shard_backend.h"

namespace datamesh::file_ingest {

// Where a shard's bytes are, as far as the manifest knows (files.shards.state).
enum class ShardState {
  kStored,   // acknowledged durable by its node
  kWriting,  // its write was still running when the segment was acknowledged (the write
             // quorum held without it); becomes kStored when it lands, kMissing if it fails
  kMissing,  // no node took it: `node` is empty, and repair writes it as soon as it can
};

std::string_view ShardStateName(ShardState state);
// kStored for an unknown name (rows written before the column existed say "stored").
ShardState ShardStateFromName(std::string_view name);

struct ShardRecord {
  int index = 0;         // 0..k-1 data, k..k+m-1 parity
  std::string shard_id;  // SHA-256 hex of the shard
  NodeRef node;          // by id; empty when kMissing
  ShardState state = ShardState::kStored;
};

struct SegmentRecord {
  uint64_t index = 0;
  uint64_t plain_size = 0;
  uint64_t stored_size = 0;  // payload after compression, before the GCM tag
  bool compressed = false;
  uint64_t shard_size = 0;
  std::string plain_sha256;  // hex
  std::vector<ShardRecord> shards;
};

struct ContentRecord {
  std::string id;
  std::string owner_id;
  uint64_t size = 0;
  std::string sha256;       // hex, of the whole content
  std::string merkle_root;  // hex, over the segment hashes
  std::string wrapped_key;  // ECIES-sealed data key
  uint32_t key_version = 0;
  std::string nonce_prefix;  // 4 bytes
  std::string codec_id;
  int data_shards = 0;
  int parity_shards = 0;
  uint64_t segment_size = 0;
  // Sealed content for inline files (no segments); unset otherwise.
  std::optional<std::string> inline_data;
  bool inline_compressed = false;
};

struct FileRecord {
  std::string id;
  std::string owner_id;
  std::string name;
  std::string content_type;
  std::map<std::string, std::string> tags;
  std::string encryption;  // "server" or "client"
  // S3: MD5 hex of the content when the upload computed it ('' otherwise), and the object
  // metadata kept with it (object_metadata.h).
  std::string md5;
  std::map<std::string, std::string> object_metadata;
  absl::Time created_at;
  absl::Time updated_at;
  ContentRecord content;
};

// The outcome of a write that was still running when its segment was acknowledged (kWriting).
struct SettledShard {
  std::string content_id;
  uint64_t segment_index = 0;
  int shard_index = 0;
  std::string node_id;  // where the write went
  bool written = false;  // landed durable: kStored; else kMissing (repair writes it)
};

// A queued shard deletion: a shard no manifest references any more, to delete from a node.
struct ShardDeletion {
  int64_t id = 0;
  std::string shard_id;
  NodeRef node;
};

}  // namespace datamesh::file_ingest
