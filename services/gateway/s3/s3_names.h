// Bucket names and object keys as the S3 edge accepts them (docs/S3.md, "Names").
//
// Bucket names follow S3's rules: 3-63 characters of lowercase letters, digits, '-' and '.',
// starting and ending with a letter or digit, no "..", not shaped like an IPv4 address, no
// "xn--" prefix and no "-s3alias" suffix. A key is stored as the file name "<bucket>/<key>", so
// it must also be a valid file name: no empty, "." or ".." segment between '/'s (so no leading,
// trailing or doubled '/'), no control character, valid UTF-8, at most 1024 bytes with the
// bucket prefix.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace datamesh::gateway::s3 {


// INVALID_ARGUMENT naming the broken rule.
[[nodiscard]] absl::Status ValidateBucketName(std::string_view name);
[[nodiscard]] absl::Status ValidateKey(std::string_view bucket, std::string_view key);

// The file name of object `key` in `bucket`.
std::string FileName(std::string_view bucket, std::string_view key);

}  // namespace datamesh::gateway::s3
