// TrustedProxies: which peers may tell the gateway who the client is. Behind a load balancer or
// an Ingress every request comes from the proxy's address; the proxy appends the address it
// saw to X-Forwarded-For. That header is believed only from a peer inside one of the configured
// CIDRs (`--trusted-proxies`), and then only as far as the chain stays inside them: the client
// is the rightmost address that is not a trusted proxy. From any other peer the header is
// ignored, so a client cannot forge its address (and with it the login throttling per address).
//
// Value type; thread-safe for concurrent reads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace datamesh::gateway {

class TrustedProxies {
 public:
  // Parses a comma-separated list of CIDRs or single addresses, IPv4 or IPv6 (e.g.
  // "10.0.0.0/8, fd00::/8, 127.0.0.1"). Empty: no proxy is trusted. INVALID_ARGUMENT names the
  // bad entry.
  static absl::StatusOr<TrustedProxies> Parse(std::string_view list);

  bool Contains(std::string_view ip) const;

  // The client's address for a request from `peer_ip` carrying `forwarded_for` (the raw
  // X-Forwarded-For value, possibly absent). Malformed entries end the walk: the address before
  // them is used.
  std::string ClientIp(std::string_view peer_ip,
                       std::optional<std::string_view> forwarded_for) const;

  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    std::array<uint8_t, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    int prefix = 0;                   // of the 128 bits
  };
  std::vector<Range> ranges_;
};

// The 16-byte form of an IPv4 or IPv6 address (IPv4 mapped into ::ffff:0:0/96); nullopt when
// `ip` is not an address.
std::optional<std::array<uint8_t, 16>> ParseIp(std::string_view ip);

}  // namespace datamesh::gateway
