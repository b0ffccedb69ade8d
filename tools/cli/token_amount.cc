#include "tools/cli/token_amount.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace datamesh::cli {
namespace {

constexpr int kDecimals = 6;

absl::Status BadAmount(const std::string& text) {
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text, "\" is not an amount of tokens (e.g. 10 or 0.5; at most 6 decimals)"));
}

}  // namespace

absl::StatusOr<uint64_t> ParseTokens(const std::string& text) {
  const size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  if ((whole.empty() && fraction.empty()) || fraction.size() > kDecimals ||
      (dot != std::string::npos && fraction.empty())) {
    return BadAmount(text);
  }
  for (char c : whole + fraction) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return BadAmount(text);
  }
  fraction.append(kDecimals - fraction.size(), '0');
  uint64_t micro = 0;
  for (char c : whole + fraction) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (micro > (std::numeric_limits<uint64_t>::max() - digit) / 10) return BadAmount(text);
    micro = micro * 10 + digit;
  }
  if (micro == 0) return absl::InvalidArgumentError("the amount must be more than 0");
  return micro;
}

std::string FormatTokens(uint64_t micro) {
  std::string out = std::to_string(micro / kMicroPerToken);
  uint64_t fraction = micro % kMicroPerToken;
  if (fraction == 0) return out;
  std::string digits = std::to_string(fraction);
  digits.insert(0, kDecimals - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return absl::StrCat(out, ".", digits);
}

std::string FormatSignedTokens(int64_t micro) {
  // The magnitude of INT64_MIN does not fit int64; it does fit uint64.
  const uint64_t magnitude =
      micro < 0 ? uint64_t{0} - static_cast<uint64_t>(micro) : static_cast<uint64_t>(micro);
  return absl::StrCat(micro < 0 ? "-" : "+", FormatTokens(magnitude));
}

}  // namespace datamesh::cli
