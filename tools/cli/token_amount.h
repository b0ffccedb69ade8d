// Token amounts as people type and read them. The API counts micro-tokens (1 token =
// 1,000,000, JSON strings); the CLI takes and shows whole tokens with up to six decimals, so
// "1.5" is 1,500,000 micro-tokens and 250 micro-tokens show as "0.00025".
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace datamesh::cli {

inline constexpr uint64_t kMicroPerToken = 1'000'000;

// "12", "0.5", "1.000001" -> micro-tokens. INVALID_ARGUMENT for anything else: signs, more
// than six decimals, exponents, an empty text, zero, or more than fits 64 bits.
[[nodiscard]] absl::StatusOr<uint64_t> ParseTokens(const std::string& text);

// Micro-tokens -> tokens without trailing zeros ("1.5", "2", "0.000001").
std::string FormatTokens(uint64_t micro);

// Signed micro-tokens (a ledger entry) -> "+1.5" / "-0.25".
std::string FormatSignedTokens(int64_t micro);

}  // namespace datamesh::cli
