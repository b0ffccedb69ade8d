// Input rules of accounts: what a username, email and password may be. Checked before anything
// is hashed or stored, so malformed input never reaches the database.
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "services/auth/accounts.h"

namespace datamesh::auth {
namespace {

constexpr size_t kMinPasswordChars = 8;
constexpr size_t kMaxEmail = 254;  // RFC 5321 path limit
constexpr size_t kMaxLocalPart = 64;

bool IsAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Letters, digits and the printable specials RFC 5322 allows unquoted in a local part.
bool IsLocalChar(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~.-";
  return IsAsciiAlnum(c) || kSpecials.find(c) != std::string_view::npos;
}

bool IsValidLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!IsAsciiAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsValidDomain(std::string_view domain) {
  std::vector<std::string> labels = absl::StrSplit(std::string(domain), '.');
  if (labels.size() < 2) return false;
  for (const std::string& label : labels) {
    if (!IsValidLabel(label)) return false;
  }
  const std::string& tld = labels.back();
  if (tld.size() < 2) return false;
  for (char c : tld) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateUsername(const std::string& username) {
  bool ok = username.size() >= 3 && username.size() <= 64;
  for (char c : username) ok = ok && (IsAsciiAlnum(c) || c == '_' || c == '.' || c == '-');
  if (!ok) {
    return absl::InvalidArgumentError("username must be 3-64 characters of A-Z a-z 0-9 _ . -");
  }
  return absl::OkStatus();
}

absl::Status ValidateEmail(const std::string& email) {
  size_t at = email.find('@');
  bool ok = email.size() <= kMaxEmail && at != std::string::npos && at > 0 && at <= kMaxLocalPart &&
            email.find('@', at + 1) == std::string::npos;
  if (ok) {
    std::string_view local(email.data(), at);
    for (char c : local) ok = ok && IsLocalChar(c);
    ok = ok && local.front() != '.' && local.back() != '.' &&
         local.find("..") == std::string_view::npos;
    ok = ok && IsValidDomain(std::string_view(email).substr(at + 1));
  }
  if (!ok) return absl::InvalidArgumentError("invalid email address");
  return absl::OkStatus();
}

absl::Status ValidatePassword(const std::string& password) {
  size_t chars = 0;
  for (unsigned char c : password) chars += (c & 0xC0) != 0x80;
  if (chars < kMinPasswordChars) {
    return absl::InvalidArgumentError("password must be at least 8 characters");
  }
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError("password must be at most 1024 bytes");
  }
  if (password.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("password must not contain NUL characters");
  }
  return absl::OkStatus();
}

}  // namespace datamesh::auth
