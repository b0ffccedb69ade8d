// Constant-time comparison of secrets (MACs, token hashes, password hashes).
//
// `==` on strings stops at the first differing byte, so its running time tells an attacker how
// much of a guess was right. Thread-safe, no state.
#pragma once

#include <string_view>

namespace datamesh::crypto {

// True when `a` and `b` hold the same bytes. The time taken depends only on the lengths, never
// on the contents; strings of different lengths compare unequal without reading them (lengths
// of MACs and hashes are public).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace datamesh::crypto
