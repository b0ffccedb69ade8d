#include "services/gateway/grpc/call_metadata.h"

#include "services/gateway/http/api_error.h"

namespace datamesh::gateway::public_grpc {

std::optional<std::string_view> MetadataValue(const ClientMetadata& metadata,
                                              std::string_view key) {
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return std::nullopt;
  return std::string_view(it->second.data(), it->second.size());
}

std::string RequestIdOf(const ClientMetadata& metadata) {
  std::optional<std::string_view> id = MetadataValue(metadata, "x-request-id");
  if (id && http::IsValidRequestId(*id)) return std::string(*id);
  return http::NewRequestId();
}

std::string PeerIp(std::string_view peer) {
  constexpr std::string_view kV4 = "ipv4:";
  constexpr std::string_view kV6 = "ipv6:";
  if (peer.starts_with(kV6)) {
    std::string_view rest = peer.substr(kV6.size());
    if (rest.starts_with('[')) {
      const size_t close = rest.find(']');
      if (close != std::string_view::npos) return std::string(rest.substr(1, close - 1));
    }
    return std::string(rest);
  }
  if (peer.starts_with(kV4)) {
    std::string_view rest = peer.substr(kV4.size());
    return std::string(rest.substr(0, rest.rfind(':')));
  }
  return std::string();
}

}  // namespace datamesh::gateway::public_grpc
