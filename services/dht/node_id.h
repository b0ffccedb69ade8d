// NodeId: a 256-bit identifier in the XOR metric space the dht places shards in. Node ids and
// placement keys (shard ids are SHA-256 digests) share the space, so "nearest node to a key" is
// the node whose id XOR the key is the smallest number.
//
// Value type; thread-compatible. Bytes are big-endian: byte 0 holds bits 255..248, so comparing
// byte arrays lexicographically compares the numbers, and the lowercase hex form sorts the same.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace datamesh::dht {

inline constexpr int kIdBits = 256;
inline constexpr int kIdBytes = kIdBits / 8;

using NodeId = std::array<uint8_t, kIdBytes>;

// Parses exactly 64 lowercase hex characters. INVALID_ARGUMENT otherwise (uppercase is refused
// so that an id has one spelling, the one stored and compared everywhere).
absl::StatusOr<NodeId> ParseNodeId(std::string_view hex);

// 64 lowercase hex characters.
std::string ToHex(const NodeId& id);

NodeId Xor(const NodeId& a, const NodeId& b);

// Index of the highest set bit of `distance` (255 for the top bit, 0 for the lowest), or -1
// when the distance is zero.
int HighestBit(const NodeId& distance);

// True when `a` is nearer to `key` than `b`; ties (only possible when a == b) are false.
bool Nearer(const NodeId& key, const NodeId& a, const NodeId& b);

}  // namespace datamesh::dht
