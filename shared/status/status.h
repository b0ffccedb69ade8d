// Error propagation helpers shared by every DataMesh module.
//
// absl::Status / absl::StatusOr<T> cross every module boundary. Abseil 20220623 has no status
// macros, so the two we need live here, named like later Abseil's so an upgrade is a rename.
// Conversions to gRPC and HTTP live in grpc_status.h and http_status.h.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define DM_STATUS_CONCAT_INNER_(a, b) a##b
#define DM_STATUS_CONCAT_(a, b) DM_STATUS_CONCAT_INNER_(a, b)

// Returns from the calling function with the status of `expr` when it is not OK.
#define RETURN_IF_ERROR(expr)                               \
  do {                                                      \
    ::absl::Status dm_status_ = ::datamesh::ToStatus(expr); \
    if (!dm_status_.ok()) return dm_status_;                \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, Foo());` declares x from a StatusOr, or returns its error.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  DM_ASSIGN_OR_RETURN_IMPL_(DM_STATUS_CONCAT_(dm_statusor_, __LINE__), lhs, rexpr)

#define DM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)    \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

namespace datamesh {

inline const absl::Status& ToStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& ToStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace datamesh
