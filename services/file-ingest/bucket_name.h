// S3 bucket names, validated as S3 does for new buckets. Pure function; thread-safe.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace datamesh::file_ingest {

// 3-63 characters of lowercase letters, digits, '-' and '.'; starts and ends with a letter or
// digit; no ".."; not shaped like an IPv4 address ("192.168.5.4"); no "xn--" prefix and no
// "-s3alias" suffix (reserved by S3). INVALID_ARGUMENT naming the rule broken otherwise.
[[nodiscard]] absl::Status ValidateBucketName(std::string_view name);

}  // namespace datamesh::file_ingest
