// Parsing of a download's `Range` header (RFC 9110 section 14), for one range of bytes.
//
// What the gateway serves: `bytes=a-b`, `bytes=a-` and the suffix `bytes=-n`. A header it does
// not understand — another unit, a malformed spec, several ranges — is ignored and the whole
// file is sent (200), which the RFC allows. A well-formed single range that selects nothing of
// the file (start at or past the end, a zero suffix, any range of an empty file) is
// unsatisfiable: 416 with `Content-Range: bytes */size`.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace datamesh::gateway {

struct RangeRequest {
  enum class Kind { kWhole, kPartial, kUnsatisfiable };
  Kind kind = Kind::kWhole;
  uint64_t offset = 0;  // kPartial only
  uint64_t length = 0;  // kPartial only; > 0
};

// `header` is the Range value (absent: whole file); `size` is the file's size.
RangeRequest ParseRange(std::optional<std::string_view> header, uint64_t size);

}  // namespace datamesh::gateway
