// A failed system call as a Status: NOT_FOUND for a missing path, FAILED_PRECONDITION otherwise,
// with what was attempted, the path and the system's message.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace datamesh::cli {

inline absl::Status ErrnoStatus(const std::string& what, const std::string& path) {
  return absl::Status(
      errno == ENOENT ? absl::StatusCode::kNotFound : absl::StatusCode::kFailedPrecondition,
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace datamesh::cli
