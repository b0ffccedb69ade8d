#include "services/gateway/s3/s3_names.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "shared/text/utf8.h"

namespace datamesh::gateway::s3 {
namespace {

constexpr size_t kMaxFileName = 1024;

bool IsLowerAlnum(char c) {
  return absl::ascii_isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'z');
}

bool LooksLikeIpv4(std::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(Av(name), '.');
  if (parts.size() != 4) return false;
  for (absl::string_view p : parts) {
    if (p.empty() || p.size() > 3) return false;
    for (char c : p) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    }
  }
  return true;
}

}  // namespace

absl::Status ValidateBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) {
    return absl::InvalidArgumentError("bucket names are 3 to 63 characters long");
  }
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '-' && c != '.') {
      return absl::InvalidArgumentError(
          "bucket names use only lowercase letters, digits, '-' and '.'");
    }
  }
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) {
    return absl::InvalidArgumentError("bucket names start and end with a letter or digit");
  }
  if (absl::StrContains(Av(name), "..")) {
    return absl::InvalidArgumentError("bucket names have no two adjacent periods");
  }
  if (LooksLikeIpv4(name)) {
    return absl::InvalidArgumentError("bucket names are not formatted as an IP address");
  }
  if (absl::StartsWith(Av(name), "xn--") || absl::EndsWith(Av(name), "-s3alias")) {
    return absl::InvalidArgumentError("bucket names do not start with xn-- or end with -s3alias");
  }
  return absl::OkStatus();
}

absl::Status ValidateKey(std::string_view bucket, std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("the object key is empty");
  if (bucket.size() + 1 + key.size() > kMaxFileName) {
    return absl::InvalidArgumentError(
        absl::StrCat("the bucket name, '/' and the key are at most ", kMaxFileName, " bytes"));
  }
  if (!text::IsValidUtf8(key)) return absl::InvalidArgumentError("the key is not valid UTF-8");
  if (text::HasControlCharacter(key)) return absl::InvalidArgumentError("keys hold no control characters");
  for (absl::string_view segment : absl::StrSplit(Av(key), '/')) {
    if (segment.empty() || segment == "." || segment == "..") {
      return absl::InvalidArgumentError(
          "keys are file names here: no empty, \".\" or \"..\" part between '/'s (so no "
          "leading, trailing or doubled '/')");
    }
  }
  return absl::OkStatus();
}

std::string FileName(std::string_view bucket, std::string_view key) {
  return absl::StrCat(Av(bucket), "/", Av(key));
}

}  // namespace datamesh::gateway::s3
