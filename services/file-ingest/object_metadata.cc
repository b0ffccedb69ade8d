#include "services/file-ingest/object_metadata.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "shared/text/utf8.h"

namespace datamesh::file_ingest {
namespace {

constexpr std::string_view kUserPrefix = "x-amz-meta-";
constexpr std::array<std::string_view, 5> kSystemKeys = {
    "content-disposition", "content-encoding", "cache-control", "content-language", "expires"};

// An HTTP token in lowercase: what a header name may be once lowercased.
bool IsHeaderNameChar(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool HasControlChar(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

absl::Status ValidateObjectMetadata(const std::map<std::string, std::string>& metadata) {
  size_t total = 0;
  for (const auto& [key, value] : metadata) {
    const bool user = key.starts_with(kUserPrefix) && key.size() > kUserPrefix.size();
    const bool system = std::find(kSystemKeys.begin(), kSystemKeys.end(), key) != kSystemKeys.end();
    if (!user && !system) {
      return absl::InvalidArgumentError(
          absl::StrCat("object_metadata key \"", text::IsValidUtf8(key) ? key : "?",
                       "\" is neither x-amz-meta-* nor a kept header (content-disposition, "
                       "content-encoding, cache-control, content-language, expires)"));
    }
    if (!std::all_of(key.begin(), key.end(), IsHeaderNameChar)) {
      return absl::InvalidArgumentError(
          absl::StrCat("object_metadata key \"", key, "\" is not a lowercase header name"));
    }
    if (!text::IsValidUtf8(value) || HasControlChar(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "object_metadata value of \"", key, "\" must be UTF-8 without control characters"));
    }
    total += key.size() + value.size();
  }
  if (total > kMaxObjectMetadataBytes) {
    return absl::InvalidArgumentError(absl::StrCat("object_metadata is ", total, " bytes; at most ",
                                                   kMaxObjectMetadataBytes,
                                                   " bytes of keys and values are kept"));
  }
  return absl::OkStatus();
}

}  // namespace datamesh::file_ingest
