// Text helpers shared by the monitoring libraries (exposition, PromQL).
//
// Numbers are read the way Go's strconv reads them, as Prometheus does in both its exposition
// formats and PromQL: an optional sign, a decimal with an optional exponent, or one of "Inf",
// "Infinity", "NaN" in any letter case. Cat is absl::StrCat for std::string_view too (Debian's
// Abseil keeps its own string_view type). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace datamesh::monitoring {

// The value of `text` as a float, or nullopt when `text` is not exactly one number (leading or
// trailing characters, hex floats, out of the range of a double).
std::optional<double> ParseFloatText(std::string_view text);

// The value of `text` as a decimal int64 with an optional sign, or nullopt.
std::optional<int64_t> ParseInt64Text(std::string_view text);

namespace text_internal {
inline absl::string_view Piece(std::string_view s) { return absl::string_view(s.data(), s.size()); }
template <typename T>
const T& Piece(const T& v) {
  return v;
}
}  // namespace text_internal

// absl::StrCat over any mix of numbers, std::string, std::string_view and C strings.
template <typename... T>
std::string Cat(const T&... parts) {
  return absl::StrCat(text_internal::Piece(parts)...);
}

}  // namespace datamesh::monitoring
