// The answer of a governance RPC handler for a domain status: internal failures are logged
// with the RPC's name and reach the caller sanitised (no internals leaked).
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "shared/log/log.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::governance {

inline grpc::Status Reply(const absl::Status& status, const char* rpc) {
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
    log::Warn("governance call failed", {{"rpc", rpc}, {"error", std::string(status.message())}});
  }
  return ToGrpcStatus(SanitizeForClient(status));
}

}  // namespace datamesh::governance
