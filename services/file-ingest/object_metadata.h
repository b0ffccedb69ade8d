// S3 object metadata kept with a file (UploadHeader.object_metadata, File.object_metadata).
// Pure function; thread-safe.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"

namespace datamesh::file_ingest {

// S3's limit on user metadata, applied here to everything kept: keys plus values, in bytes.
inline constexpr size_t kMaxObjectMetadataBytes = 2048;

// Keys are "x-amz-meta-" followed by at least one character, or one of content-disposition,
// content-encoding, cache-control, content-language, expires; all lowercase printable ASCII
// (HTTP header names). Values are UTF-8 without control characters (they go back out as header
// values). Keys and values together at most kMaxObjectMetadataBytes. INVALID_ARGUMENT otherwise.
[[nodiscard]] absl::Status ValidateObjectMetadata(
    const std::map<std::string, std::string>& metadata);

}  // namespace datamesh::file_ingest
