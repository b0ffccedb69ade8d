// Test vectors are written in hex. Tests only: a malformed literal is a bug in the test, so
// Unhex throws (via StatusOr::value) rather than returning an error.
#pragma once

#include <string>
#include <string_view>

#include "shared/crypto/encoding.h"

namespace datamesh::crypto {

inline std::string Unhex(std::string_view hex) { return HexDecode(hex).value(); }

}  // namespace datamesh::crypto
