#include "services/dht/node_id.h"

#include <bit>

namespace datamesh::dht {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<NodeId> ParseNodeId(std::string_view hex) {
  if (hex.size() != 2 * kIdBytes) {
    return absl::InvalidArgumentError("an id must be 64 lowercase hex characters");
  }
  NodeId id;
  for (int i = 0; i < kIdBytes; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError("an id must be 64 lowercase hex characters");
    }
    id[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

std::string ToHex(const NodeId& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * kIdBytes, '0');
  for (int i = 0; i < kIdBytes; ++i) {
    out[2 * i] = kDigits[id[i] >> 4];
    out[2 * i + 1] = kDigits[id[i] & 0x0f];
  }
  return out;
}

NodeId Xor(const NodeId& a, const NodeId& b) {
  NodeId out;
  for (int i = 0; i < kIdBytes; ++i) out[i] = a[i] ^ b[i];
  return out;
}

int HighestBit(const NodeId& distance) {
  for (int i = 0; i < kIdBytes; ++i) {
    if (distance[i] != 0) {
      return (kIdBytes - 1 - i) * 8 + (7 - std::countl_zero(distance[i]));
    }
  }
  return -1;
}

bool Nearer(const NodeId& key, const NodeId& a, const NodeId& b) {
  // Compares (a ^ key) with (b ^ key) byte by byte without building either.
  for (int i = 0; i < kIdBytes; ++i) {
    const uint8_t da = a[i] ^ key[i];
    const uint8_t db = b[i] ^ key[i];
    if (da != db) return da < db;
  }
  return false;
}

}  // namespace datamesh::dht
