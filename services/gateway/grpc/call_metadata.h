// Reading a public gRPC call's metadata: the `authorization` entry, the client's request id and
// the peer's address (for audit records and the login limiter, as REST's SourceIp).
//
// Thread safety: pure functions, thread-safe.
#pragma once

#include <grpcpp/support/string_ref.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace datamesh::gateway::public_grpc {

using ClientMetadata = std::multimap<grpc::string_ref, grpc::string_ref>;

// The first value of `key` (lowercase, as gRPC delivers keys); nullopt when absent.
std::optional<std::string_view> MetadataValue(const ClientMetadata& metadata, std::string_view key);

// The client's `x-request-id` when it is 1-128 of [A-Za-z0-9._-] (the REST rule), else a new id.
std::string RequestIdOf(const ClientMetadata& metadata);

// The IP address of a gRPC peer string ("ipv4:10.0.0.1:5000" -> "10.0.0.1",
// "ipv6:[::1]:5000" -> "::1", URL-escaped zones kept as sent); "" for other transports.
std::string PeerIp(std::string_view peer);

}  // namespace datamesh::gateway::public_grpc
