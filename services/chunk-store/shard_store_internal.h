// Conversions between shard ids (64 lowercase hex chars) and the binary digests the index keys
// on. Internal to the shard store's .cc files. Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"

namespace datamesh::chunk_store::internal {

// The digest an id names. `id` must have passed ValidateShardId.
inline crypto::Sha256Digest DigestOf(std::string_view id) {
  auto nibble = [](char c) { return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
  crypto::Sha256Digest digest;
  for (size_t i = 0; i < digest.size(); ++i) {
    digest[i] = static_cast<uint8_t>(nibble(id[2 * i]) << 4 | nibble(id[2 * i + 1]));
  }
  return digest;
}

inline std::string IdOf(const crypto::Sha256Digest& digest) { return crypto::HexEncode(digest); }

}  // namespace datamesh::chunk_store::internal
