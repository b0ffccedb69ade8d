// A user's storage usage split into what quota counts as stored and what live reservations
// hold, from QuotaService.GetUsage on the gateway's public gRPC endpoint (REST shows only the
// sum). Used to say why a usage differs from the files: a wrong ledger, or reservations that
// no upload holds any more.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace datamesh::thrash {

struct UsageSplit {
  uint64_t stored_bytes = 0;    // files counted from file.stored/file.deleted
  uint64_t reserved_bytes = 0;  // held or committed reservations not yet expired
};

// `grpc_address`: the gateway's gRPC "host:port"; `token`: the user's bearer token. The RPC's
// error status (UNAUTHENTICATED, UNAVAILABLE, ...) when it fails; 5 s deadline.
[[nodiscard]] absl::StatusOr<UsageSplit> GetUsageSplit(const std::string& grpc_address,
                                                       const std::string& token);

}  // namespace datamesh::thrash
