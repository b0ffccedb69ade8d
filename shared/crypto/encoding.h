// Text encodings of binary data: hexadecimal and Base64 (standard and URL-safe).
//
// Pure functions with no OpenSSL dependency and no shared state: thread-safe. Decoders are strict
// (one canonical text per byte string): they reject characters outside the alphabet, wrong
// padding and non-zero unused bits with kInvalidArgument, so an encoded value can be compared or
// used as a key as text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace datamesh::crypto {

// Lower-case hexadecimal, two characters per byte.
std::string HexEncode(std::string_view bytes);
std::string HexEncode(std::span<const uint8_t> bytes);

// Accepts upper- and lower-case digits; an odd length or a non-hex character is kInvalidArgument.
[[nodiscard]] absl::StatusOr<std::string> HexDecode(std::string_view hex);

enum class Base64Variant {
  kStandard,  // RFC 4648 §4: "+/" with "=" padding.
  kUrlSafe,   // RFC 4648 §5: "-_" without padding; safe in URLs, headers and file names.
};

std::string Base64Encode(std::string_view bytes, Base64Variant variant = Base64Variant::kStandard);

// kInvalidArgument on characters outside the variant's alphabet, padding that the variant does
// not use (or missing padding for kStandard), an impossible length, or non-zero unused bits.
[[nodiscard]] absl::StatusOr<std::string> Base64Decode(
    std::string_view text, Base64Variant variant = Base64Variant::kStandard);

}  // namespace datamesh::crypto
