#include "services/file-ingest/bucket_name.h"

#include <string>
#include <vector>

namespace datamesh::file_ingest {
namespace {

bool IsLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Four dot-separated decimal numbers: S3 refuses these so that a bucket name can never be read
// as a host address in virtual-host style requests.
bool LooksLikeIpv4(std::string_view name) {
  int parts = 0;
  for (size_t start = 0; start <= name.size(); ++parts) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(part)) > 255) {
      return false;
    }
    start = end + 1;
  }
  return parts == 4;
}

}  // namespace

absl::Status ValidateBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) {
    return absl::InvalidArgumentError("bucket name must be 3 to 63 characters long");
  }
  for (char c : name) {
    if (!IsLowerOrDigit(c) && c != '-' && c != '.') {
      return absl::InvalidArgumentError(
          "bucket name may hold only lowercase letters, digits, '-' and '.'");
    }
  }
  if (!IsLowerOrDigit(name.front()) || !IsLowerOrDigit(name.back())) {
    return absl::InvalidArgumentError("bucket name must start and end with a letter or digit");
  }
  if (name.find("..") != std::string_view::npos) {
    return absl::InvalidArgumentError("bucket name must not contain \"..\"");
  }
  if (LooksLikeIpv4(name)) {
    return absl::InvalidArgumentError("bucket name must not be an IP address");
  }
  if (name.starts_with("xn--") || name.ends_with("-s3alias")) {
    return absl::InvalidArgumentError(
        "bucket name must not start with \"xn--\" or end with \"-s3alias\"");
  }
  return absl::OkStatus();
}

}  // namespace datamesh::file_ingest
