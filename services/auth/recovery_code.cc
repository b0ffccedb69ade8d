#include "services/auth/recovery_code.h"

#include <cctype>

#include "shared/crypto/random.h"
#include "shared/status/status.h"

namespace datamesh::auth {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::string_view kPrefix = "dmr-";  // shown; typed input may separate it any way
constexpr size_t kCodeBytes = 20;  // 160 bits: 32 characters of 5 bits
constexpr size_t kCodeChars = kCodeBytes * 8 / 5;
constexpr char kMalformed[] =
    "recovery code must be the 32 letters and digits shown when it was created";

// Crockford's reading of look-alikes; 0 for a character outside the alphabet.
char Canonical(char c) {
  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (c == 'O') return '0';
  if (c == 'I' || c == 'L') return '1';
  return kAlphabet.find(c) == std::string_view::npos ? '\0' : c;
}

}  // namespace

absl::StatusOr<RecoveryCode> NewRecoveryCode() {
  ASSIGN_OR_RETURN(std::string bytes, crypto::RandomBytes(kCodeBytes));
  RecoveryCode code;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      code.normalized.push_back(kAlphabet[(buffer >> bits) & 31]);
    }
  }
  code.display = std::string(kPrefix);
  for (size_t i = 0; i < code.normalized.size(); ++i) {
    if (i > 0 && i % 4 == 0) code.display.push_back('-');
    code.display.push_back(code.normalized[i]);
  }
  return code;
}

absl::StatusOr<std::string> NormalizeRecoveryCode(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (out.size() == kCodeChars + 3) return absl::InvalidArgumentError(kMalformed);
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  // The "dmr" prefix, however it was separated from the rest (dmr-, "dmr ", none).
  if (out.size() == kCodeChars + 3 && out.compare(0, 3, "DMR") == 0) out.erase(0, 3);
  if (out.size() != kCodeChars) return absl::InvalidArgumentError(kMalformed);
  for (char& c : out) {
    c = Canonical(c);
    if (c == '\0') return absl::InvalidArgumentError(kMalformed);
  }
  return out;
}

}  // namespace datamesh::auth
