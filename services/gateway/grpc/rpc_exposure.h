// Which RPCs of the internal service definitions the gateway's public gRPC endpoint serves, and
// to whom. The internal services trust the identity fields of their requests (owner_id, user_id,
// actor_id), so every RPC is listed explicitly: one that is missing here is not served.
//
// Thread safety: immutable data, thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace datamesh::gateway::public_grpc {

enum class Exposure {
  kAnonymous,  // no token needed (Register, Login)
  kUser,       // any authenticated caller, acting for themself
  kAdmin,      // authenticated callers with role "admin"; PERMISSION_DENIED for others
  kInternal,   // service-to-service only; the public endpoint answers UNIMPLEMENTED
};

struct RpcExposure {
  std::string_view method;  // "/datamesh.file.v1.FileService/Stat"
  Exposure exposure;
};

// Every RPC of datamesh.file.v1.FileService, datamesh.auth.v1.AuthService and
// datamesh.quota.v1.QuotaService with its exposure.
std::span<const RpcExposure> PublicRpcTable();

// The exposure of `method` (gRPC's "/package.Service/Method"); nullopt for an unlisted one.
std::optional<Exposure> ExposureOf(std::string_view method);

}  // namespace datamesh::gateway::public_grpc
