// Download bandwidth at the edge, shared by REST (GET /api/v1/files/{id}) and public gRPC
// (FileService.Download): QuotaService.CheckBandwidth admits the bytes about to be sent, and
// RecordBandwidth counts the bytes actually sent afterwards.
//
// Thread safety: functions are thread-safe.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "services/gateway/identity/caller.h"
#include "services/gateway/routes/api_context.h"
#include "services/gateway/upstream/upstream_clients.h"

namespace datamesh::gateway {

// Admission of `bytes` against the caller's monthly bandwidth. A quota service that cannot be
// reached does not block downloads (logged); a refusal is 403 QUOTA_EXCEEDED.
[[nodiscard]] absl::Status CheckDownloadBandwidth(const ApiContext& ctx, const Caller& caller,
                                                  const CallOrigin& origin, uint64_t bytes);

// Adds the `bytes` sent to the caller's month (logged when it fails).
void RecordDownloadBandwidth(const ApiContext& ctx, const Caller& caller, const CallOrigin& origin,
                             uint64_t bytes);

}  // namespace datamesh::gateway
