// Fuzz target: the client address behind proxies - the --trusted-proxies list and a request's
// X-Forwarded-For (services/gateway/identity/trusted_proxies.h).
//
// Input (text):
//   line 1: the trusted proxies list (CIDRs and addresses, commas)
//   line 2: the peer's address
//   line 3: the X-Forwarded-For value; no third line means the request had none
//
// Invariants: a list that parses contains each of its own addresses; a bad list is
// INVALID_ARGUMENT; the client is the peer unless the peer is trusted and the header present;
// otherwise it is the peer or one address of the header, every hop to its right is a trusted
// address, and it is itself untrusted unless it is the leftmost usable hop.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "services/gateway/identity/trusted_proxies.h"

namespace {

using datamesh::gateway::ParseIp;
using datamesh::gateway::TrustedProxies;

std::string_view TrimSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

std::vector<std::string_view> Split(std::string_view text) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t comma = text.find(',');
    out.push_back(text.substr(0, comma));
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = datamesh::fuzz::AsText(data, size);
  const std::string_view list = datamesh::fuzz::TakeLine(text);
  const bool has_forwarded = text.find('\n') != std::string_view::npos;
  const std::string_view peer = datamesh::fuzz::TakeLine(text);
  std::optional<std::string_view> forwarded;
  if (has_forwarded) forwarded = datamesh::fuzz::TakeLine(text);

  absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse(list);
  if (!proxies.ok()) {
    FUZZ_CHECK(proxies.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  for (std::string_view entry : Split(list)) {
    entry = TrimSpace(entry);
    const std::string_view address = entry.substr(0, entry.find('/'));
    if (!entry.empty()) FUZZ_CHECK(proxies->Contains(address));
  }

  const std::string client = proxies->ClientIp(peer, forwarded);
  if (!forwarded || !proxies->Contains(peer)) {
    FUZZ_CHECK(client == peer);
    return 0;
  }
  // Walk the hops from the right as a reader of the header would.
  const std::vector<std::string_view> hops = Split(*forwarded);
  std::string expected(peer);
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const std::string_view hop = TrimSpace(*it);
    if (!ParseIp(hop)) break;
    expected = std::string(hop);
    if (!proxies->Contains(hop)) break;
  }
  FUZZ_CHECK(client == expected);
  FUZZ_CHECK(client == peer || ParseIp(client).has_value());
  return 0;
}
