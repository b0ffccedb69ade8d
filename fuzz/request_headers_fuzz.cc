// Fuzz target: the other request header and query values the gateway interprets -
// X-Request-Id (REST and gRPC metadata, services/gateway/http/api_error.h,
// services/gateway/grpc/call_metadata.h), the gRPC peer string, X-Upload-Id / ?uploadId=
// (services/gateway/transfer/file_upload.h), ?limit= (services/gateway/routes/file_routes.h),
// the audit query's ?from= / ?to= (services/gateway/admin/admin_routes.h) - and the file name
// a client chose, written back into the Content-Disposition of its download
// (services/gateway/transfer/file_download.h).
//
// Input (text): one value, given to each of them.
//
// Invariants: request and upload ids are accepted exactly when they follow their rule, and an
// unusable request id is replaced by a fresh usable one; the peer address is a piece of the
// peer string; a limit is 1-1000 and is the number written; a query time prints back to
// itself; a Content-Disposition holds no control character and its filename* decodes back to
// the last segment of the name.
#include <google/protobuf/util/time_util.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "fuzz/fuzz_support.h"
#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/grpc/call_metadata.h"
#include "services/gateway/http/api_error.h"
#include "services/gateway/routes/file_routes.h"
#include "services/gateway/transfer/file_download.h"
#include "services/gateway/transfer/file_upload.h"

namespace {

namespace gw = datamesh::gateway;

bool IsIdChar(char c, bool dot_allowed) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || (dot_allowed && c == '.');
}

bool FollowsIdRule(std::string_view id, size_t max_size, bool dot_allowed) {
  if (id.empty() || id.size() > max_size) return false;
  for (char c : id) {
    if (!IsIdChar(c, dot_allowed)) return false;
  }
  return true;
}

void CheckRequestIds(std::string_view value) {
  const bool usable = FollowsIdRule(value, 128, /*dot_allowed=*/true);
  FUZZ_CHECK(gw::http::IsValidRequestId(value) == usable);
  gw::public_grpc::ClientMetadata metadata;
  metadata.emplace(grpc::string_ref("x-request-id"), grpc::string_ref(value.data(), value.size()));
  const std::string id = gw::public_grpc::RequestIdOf(metadata);
  FUZZ_CHECK(gw::http::IsValidRequestId(id));
  if (usable) FUZZ_CHECK(id == value);
  FUZZ_CHECK(gw::IsValidUploadId(value) == FollowsIdRule(value, 64, /*dot_allowed=*/false));
}

void CheckPeer(std::string_view value) {
  const std::string ip = gw::public_grpc::PeerIp(value);
  if (!value.starts_with("ipv4:") && !value.starts_with("ipv6:")) FUZZ_CHECK(ip.empty());
  FUZZ_CHECK(value.find(ip) != std::string_view::npos);
}

void CheckLimit(std::string_view value) {
  absl::StatusOr<uint32_t> limit = gw::ParseLimit(value);
  if (!limit.ok()) {
    FUZZ_CHECK(limit.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  if (value.empty()) {
    FUZZ_CHECK(*limit == 100);
    return;
  }
  FUZZ_CHECK(*limit >= 1 && *limit <= 1000);
  uint64_t written = 0;
  for (char c : value) {
    FUZZ_CHECK(c >= '0' && c <= '9');
    written = written * 10 + static_cast<uint64_t>(c - '0');
    FUZZ_CHECK(written <= 1000);
  }
  FUZZ_CHECK(written == *limit);
}

void CheckQueryTime(std::string_view value) {
  absl::StatusOr<absl::Time> t = gw::ParseQueryTime("from", value);
  if (!t.ok()) {
    FUZZ_CHECK(t.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  const std::string printed = absl::FormatTime(absl::RFC3339_full, *t, absl::UTCTimeZone());
  absl::StatusOr<absl::Time> again = gw::ParseQueryTime("from", printed);
  FUZZ_CHECK(again.ok() && *again == *t);
  // QueryAudit sends it on as a Timestamp; it must be one protobuf can hold and print.
  const google::protobuf::Timestamp stamp =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(*t));
  FUZZ_CHECK(stamp.nanos() >= 0 && stamp.nanos() <= 999999999);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void CheckContentDisposition(std::string_view name) {
  const std::string header = gw::ContentDisposition(name);
  for (unsigned char c : header) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
  const size_t slash = name.rfind('/');
  const std::string_view last = slash == std::string_view::npos ? name : name.substr(slash + 1);
  constexpr std::string_view kStart = "attachment; filename=\"";
  constexpr std::string_view kMiddle = "\"; filename*=UTF-8''";
  FUZZ_CHECK(std::string_view(header).starts_with(kStart));
  const size_t middle = header.find(kMiddle, kStart.size());
  FUZZ_CHECK(middle != std::string::npos);
  const std::string_view fallback =
      std::string_view(header).substr(kStart.size(), middle - kStart.size());
  FUZZ_CHECK(fallback.size() == last.size());
  FUZZ_CHECK(fallback.find('"') == std::string_view::npos);
  FUZZ_CHECK(fallback.find('\\') == std::string_view::npos);
  const std::string_view encoded = std::string_view(header).substr(middle + kMiddle.size());
  std::string decoded;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      decoded += encoded[i];
      continue;
    }
    FUZZ_CHECK(i + 2 < encoded.size());
    const int hi = HexDigit(encoded[i + 1]);
    const int lo = HexDigit(encoded[i + 2]);
    FUZZ_CHECK(hi >= 0 && lo >= 0);
    decoded += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  FUZZ_CHECK(decoded == last);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view value = datamesh::fuzz::AsText(data, size);
  CheckRequestIds(value);
  CheckPeer(value);
  CheckLimit(value);
  CheckQueryTime(value);
  CheckContentDisposition(value);
  return 0;
}
