#include "services/gateway/s3/s3_metadata.h"

#include <array>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/s3_conditions.h"
#include "services/gateway/s3/s3_context.h"

namespace datamesh::gateway::s3 {
namespace {

constexpr std::array<std::string_view, 5> kKeptHeaders = {
    "content-disposition", "content-encoding", "cache-control", "content-language", "expires"};

// (query parameter, header it overrides) on GET, as S3's presigned URLs use them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kOverrides = {{
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
}};

// Content-Encoding without "aws-chunked", which describes the request's framing only; the other
// codings keep their order, listed as HTTP writes lists (", "), as S3 answers them.
std::string WithoutAwsChunked(std::string_view value) {
  std::vector<std::string> kept;
  for (absl::string_view token : absl::StrSplit(Av(value), ',')) {
    token = absl::StripAsciiWhitespace(token);
    if (!token.empty() && !absl::EqualsIgnoreCase(token, "aws-chunked")) kept.emplace_back(token);
  }
  return absl::StrJoin(kept, ", ");
}

bool IsPrintable(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::variant<ObjectMetadata, S3Error> MetadataFromHeaders(const http::Request& request) {
  ObjectMetadata metadata;
  size_t bytes = 0;
  for (const auto& [raw_name, value] : request.headers()) {
    const std::string name = absl::AsciiStrToLower(raw_name);
    const bool user = absl::StartsWith(name, "x-amz-meta-") && name.size() > 11;
    bool kept = user;
    for (std::string_view k : kKeptHeaders) kept = kept || name == k;
    if (!kept) continue;
    std::string v = name == "content-encoding" ? WithoutAwsChunked(value) : value;
    if (v.empty() && !user) continue;
    if (!IsPrintable(v)) return InvalidArgument("metadata values are printable text");
    bytes += name.size() + v.size();
    // Repeated headers join as HTTP says.
    auto [it, inserted] = metadata.emplace(name, v);
    if (!inserted) absl::StrAppend(&it->second, ",", v);
  }
  if (bytes > kMaxMetadataBytes) {
    return S3Error{"MetadataTooLarge",
                   "Your metadata headers exceed the maximum allowed metadata size (2 KiB).", 400};
  }
  return metadata;
}

void SetObjectHeaders(const file::v1::File& file, const http::Request& request,
                      http::ResponseWriter& w) {
  w.SetHeader("Content-Type",
              file.content_type().empty() ? "binary/octet-stream" : file.content_type());
  w.SetHeader("ETag", EtagOf(file));
  w.SetHeader("Last-Modified", FormatHttpDate(absl::FromUnixSeconds(file.created_at().seconds())));
  w.SetHeader("Accept-Ranges", "bytes");
  for (const auto& [name, value] : file.object_metadata()) w.SetHeader(name, value);
  for (const auto& [param, header] : kOverrides) {
    if (std::optional<std::string_view> v = request.query_param(param)) {
      if (IsPrintable(*v)) w.SetHeader(header, *v);
    }
  }
}

}  // namespace datamesh::gateway::s3
