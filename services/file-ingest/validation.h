// Validation of FileService inputs at the edge: every check answers INVALID_ARGUMENT with a
// message naming the field, before anything is changed. Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::file_ingest {

// File.name: 1-1024 bytes of UTF-8, no control characters, no leading "/", no empty, "." or
// ".." path segment.
[[nodiscard]] absl::Status ValidateName(std::string_view name);
// File.tags: at most 64; keys 1-128 bytes, values up to 1024 bytes, UTF-8.
[[nodiscard]] absl::Status ValidateTags(const std::map<std::string, std::string>& tags);
// A media type: up to 255 bytes, printable ASCII.
[[nodiscard]] absl::Status ValidateContentType(std::string_view content_type);
// An owner or file id: 1-128 bytes of printable ASCII.
[[nodiscard]] absl::Status ValidateId(std::string_view field, std::string_view id);
// An S3 key, prefix, delimiter or marker handed to SQL: text PostgreSQL can hold and that could
// match a name (valid UTF-8 without NUL, at most a file name long: 1024 bytes).
[[nodiscard]] absl::Status ValidateListArg(const char* field, std::string_view value);
// 64 hex characters; returns them in lower case.
[[nodiscard]] absl::StatusOr<std::string> NormalizeSha256(std::string_view hex);

}  // namespace datamesh::file_ingest
