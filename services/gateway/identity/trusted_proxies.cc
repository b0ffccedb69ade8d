#include "services/gateway/identity/trusted_proxies.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace datamesh::gateway {
namespace {

bool InRange(const std::array<uint8_t, 16>& ip, const std::array<uint8_t, 16>& net, int prefix) {
  int bits = prefix;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xFF : static_cast<uint8_t>(0xFF << (8 - bits));
    if ((ip[i] & mask) != (net[i] & mask)) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  absl::string_view t = absl::StripAsciiWhitespace(absl::string_view(s.data(), s.size()));
  return std::string_view(t.data(), t.size());
}

}  // namespace

std::optional<std::array<uint8_t, 16>> ParseIp(std::string_view ip) {
  if (ip.empty() || ip.size() > 45) return std::nullopt;
  char text[46];
  std::memcpy(text, ip.data(), ip.size());
  text[ip.size()] = '\0';
  std::array<uint8_t, 16> out{};
  in_addr v4;
  if (inet_pton(AF_INET, text, &v4) == 1) {
    out[10] = out[11] = 0xFF;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text, &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies proxies;
  for (absl::string_view piece : absl::StrSplit(absl::string_view(list.data(), list.size()), ',')) {
    const std::string_view entry = Trim(std::string_view(piece.data(), piece.size()));
    if (entry.empty()) continue;
    const size_t slash = entry.find('/');
    const std::string_view address = entry.substr(0, slash);
    std::optional<std::array<uint8_t, 16>> bytes = ParseIp(address);
    if (!bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("trusted proxies: not an address or CIDR: ", std::string(entry)));
    }
    const bool v4 = address.find(':') == std::string_view::npos;
    int prefix = v4 ? 32 : 128;
    if (slash != std::string_view::npos) {
      const std::string_view bits = entry.substr(slash + 1);
      auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
      if (ec != std::errc() || end != bits.data() + bits.size() || prefix < 0 ||
          prefix > (v4 ? 32 : 128)) {
        return absl::InvalidArgumentError(
            absl::StrCat("trusted proxies: bad prefix length in ", std::string(entry)));
      }
    }
    proxies.ranges_.push_back({*bytes, v4 ? prefix + 96 : prefix});
  }
  return proxies;
}

bool TrustedProxies::Contains(std::string_view ip) const {
  std::optional<std::array<uint8_t, 16>> bytes = ParseIp(ip);
  if (!bytes) return false;
  for (const Range& r : ranges_) {
    if (InRange(*bytes, r.bytes, r.prefix)) return true;
  }
  return false;
}

std::string TrustedProxies::ClientIp(std::string_view peer_ip,
                                     std::optional<std::string_view> forwarded_for) const {
  std::string client(peer_ip);
  if (!forwarded_for || !Contains(peer_ip)) return client;
  std::vector<absl::string_view> hops =
      absl::StrSplit(absl::string_view(forwarded_for->data(), forwarded_for->size()), ',');
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const std::string_view hop = Trim(std::string_view(it->data(), it->size()));
    if (!ParseIp(hop)) break;  // garbage in the chain: trust nothing further left
    client = std::string(hop);
    if (!Contains(hop)) break;
  }
  return client;
}

}  // namespace datamesh::gateway
