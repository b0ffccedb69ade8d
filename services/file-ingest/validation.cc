#include "services/file-ingest/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/text/utf8.h"

namespace datamesh::file_ingest {
namespace {

bool PrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateName(std::string_view name) {
  if (name.empty() || name.size() > 1024) {
    return absl::InvalidArgumentError("name must be 1-1024 bytes");
  }
  if (!text::IsValidUtf8(name)) return absl::InvalidArgumentError("name is not valid UTF-8");
  if (text::HasControlCharacter(name)) return absl::InvalidArgumentError("name contains control characters");
  for (absl::string_view part : absl::StrSplit(absl::string_view(name.data(), name.size()), '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(
          "name has an empty, \".\" or \"..\" path segment or a leading \"/\"");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTags(const std::map<std::string, std::string>& tags) {
  if (tags.size() > 64) return absl::InvalidArgumentError("at most 64 tags");
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128) {
      return absl::InvalidArgumentError("tag keys must be 1-128 bytes");
    }
    if (v.size() > 1024) return absl::InvalidArgumentError("tag values must be at most 1024 bytes");
    if (!text::IsValidUtf8(k) || !text::IsValidUtf8(v)) {
      return absl::InvalidArgumentError("tags must be valid UTF-8");
    }
    // Tags are stored as JSON in PostgreSQL, where a NUL cannot be.
    if (text::HasControlCharacter(k) || text::HasControlCharacter(v)) {
      return absl::InvalidArgumentError("tags must not contain control characters");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateContentType(std::string_view content_type) {
  for (char c : content_type) {
    if (c < 0x20 || c > 0x7e) {
      return absl::InvalidArgumentError("content_type must be printable ASCII");
    }
  }
  if (content_type.size() > 255) {
    return absl::InvalidArgumentError("content_type must be at most 255 bytes");
  }
  return absl::OkStatus();
}

absl::Status ValidateId(std::string_view field, std::string_view id) {
  if (id.empty() || id.size() > 128 || !PrintableAscii(id)) {
    return absl::InvalidArgumentError(std::string(field) + " must be 1-128 printable characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateListArg(const char* field, std::string_view value) {
  constexpr size_t kMaxListArgBytes = 1024;
  if (value.size() > kMaxListArgBytes || !text::IsValidUtf8(value) ||
      value.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be valid UTF-8 without NUL, at most 1024 bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeSha256(std::string_view hex) {
  if (hex.size() != 64) return absl::InvalidArgumentError("expected_sha256 must be 64 hex chars");
  std::string out(hex);
  for (char& c : out) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("expected_sha256 must be 64 hex chars");
    }
    c = absl::ascii_tolower(static_cast<unsigned char>(c));
  }
  return out;
}

}  // namespace datamesh::file_ingest
