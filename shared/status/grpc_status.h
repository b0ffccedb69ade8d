// Mapping between absl::Status and grpc::Status. Codes have the same numbering; messages pass
// through unchanged, so callers must not put internals into messages of statuses that leave
// the process (see SanitizeForClient).
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace datamesh {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// INTERNAL, UNKNOWN and DATA_LOSS may carry details (SQL, paths) useful in logs but not to
// clients: this replaces their message with a generic one. Other codes pass unchanged.
absl::Status SanitizeForClient(const absl::Status& status);

}  // namespace datamesh
