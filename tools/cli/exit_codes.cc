#include "tools/cli/exit_codes.h"

#include <map>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace datamesh::cli {
namespace {

// API.md's error codes; unknown ones fall back to the HTTP status.
absl::StatusCode CodeFromApiError(std::string_view code) {
  static const auto* const kCodes = new std::map<std::string_view, absl::StatusCode>{
      {"INVALID_ARGUMENT", absl::StatusCode::kInvalidArgument},
      {"UNAUTHENTICATED", absl::StatusCode::kUnauthenticated},
      {"PERMISSION_DENIED", absl::StatusCode::kPermissionDenied},
      {"NOT_FOUND", absl::StatusCode::kNotFound},
      {"ALREADY_EXISTS", absl::StatusCode::kAlreadyExists},
      {"PAYLOAD_TOO_LARGE", absl::StatusCode::kResourceExhausted},
      {"QUOTA_EXCEEDED", absl::StatusCode::kResourceExhausted},
      {"RATE_LIMITED", absl::StatusCode::kResourceExhausted},
      {"UNAVAILABLE", absl::StatusCode::kUnavailable},
      {"NOT_IMPLEMENTED", absl::StatusCode::kUnimplemented},
      {"INTERNAL", absl::StatusCode::kInternal},
  };
  auto it = kCodes->find(code);
  return it == kCodes->end() ? absl::StatusCode::kUnknown : it->second;
}

absl::StatusCode CodeFromHttp(long http_status) {
  switch (http_status) {
    case 400:
    case 416: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    case 409: return absl::StatusCode::kAlreadyExists;
    case 413:
    case 429: return absl::StatusCode::kResourceExhausted;
    case 501: return absl::StatusCode::kUnimplemented;
    default: break;
  }
  if (http_status >= 500) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kUnknown;
}

}  // namespace

ExitCode ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk: return kExitOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange: return kExitUsage;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied: return kExitAuth;
    case absl::StatusCode::kNotFound: return kExitNotFound;
    case absl::StatusCode::kResourceExhausted: return kExitLimit;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kDeadlineExceeded: return kExitUnavailable;
    case absl::StatusCode::kDataLoss: return kExitIntegrity;
    default: return kExitError;
  }
}

absl::Status StatusFromHttp(long http_status, std::string_view body, std::string_view retry_after) {
  std::string api_code;
  std::string message;
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("error") && json["error"].is_object()) {
    const nlohmann::json& error = json["error"];
    if (error.contains("code") && error["code"].is_string()) api_code = error["code"];
    if (error.contains("message") && error["message"].is_string()) message = error["message"];
  }
  absl::StatusCode code = CodeFromApiError(api_code);
  if (code == absl::StatusCode::kUnknown) code = CodeFromHttp(http_status);
  if (message.empty()) message = "the server answered without an explanation";
  std::string text =
      absl::StrCat(message, " (HTTP ", http_status, api_code.empty() ? "" : " ", api_code, ")");
  if (!retry_after.empty())
    absl::StrAppend(&text, "; retry after ", std::string(retry_after), " s");
  return absl::Status(code, text);
}

std::string ExitCodeHelp() {
  return "Exit codes:\n"
         "  0  success\n"
         "  1  other error (conflict, local I/O, ...)\n"
         "  2  usage error, or a request the server refused as invalid (HTTP 400/416)\n"
         "  3  authentication: not logged in, token refused (401) or not allowed (403)\n"
         "  4  not found (404, or a local path that does not exist)\n"
         "  5  quota exceeded, rate limited (429) or payload too large (413)\n"
         "  6  server unreachable or server error (5xx, including 501 not available yet)\n"
         "  7  integrity failure: e2e data does not decrypt (wrong key, tampered, truncated)\n";
}

}  // namespace datamesh::cli
