#include "services/gateway/http/api_error.h"

#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <random>

#include "absl/strings/cord.h"
#include "shared/log/log.h"
#include "shared/status/grpc_status.h"
#include "shared/status/http_status.h"

namespace datamesh::gateway::http {
namespace {

constexpr char kPayloadUrl[] = "type.datamesh/gateway.http.error";

std::string_view GenericMessage(int http_status) {
  switch (http_status) {
    case 501: return "not implemented";
    case 503: return "service unavailable";
    case 504: return "deadline exceeded";
    default: return "internal error";
  }
}

}  // namespace

absl::Status WithHttpError(absl::Status status, int http_status, std::string_view api_code) {
  status.SetPayload(kPayloadUrl,
                    absl::Cord(std::to_string(http_status) + " " + std::string(api_code)));
  return status;
}

absl::Status PayloadTooLarge(std::string_view message) {
  return WithHttpError(absl::ResourceExhaustedError(std::string(message)), 413,
                       "PAYLOAD_TOO_LARGE");
}

ApiError ApiErrorFor(const absl::Status& status) {
  ApiError error;
  if (auto pinned = status.GetPayload(kPayloadUrl)) {
    const std::string text(*pinned);
    const size_t space = text.find(' ');
    if (space != std::string::npos) {
      error.http_status = std::atoi(text.substr(0, space).c_str());
      error.code = text.substr(space + 1);
      error.message = std::string(status.message());
      return error;
    }
  }
  const absl::Status safe = SanitizeForClient(status);
  error.http_status = HttpStatusFor(safe.code());
  error.code = std::string(ApiErrorCode(safe.code()));
  error.message = error.http_status >= 500 ? std::string(GenericMessage(error.http_status))
                                           : std::string(safe.message());
  return error;
}

std::string ErrorJson(const ApiError& error) {
  std::string out = "{\"error\":{\"code\":";
  log::AppendJsonString(&out, error.code);
  out += ",\"message\":";
  log::AppendJsonString(&out, error.message);
  out += "}}";
  return out;
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() {
  std::array<unsigned char, 16> bytes;
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // The OpenSSL generator failing is practically unheard of; an id needs uniqueness, not
    // secrecy, so the OS generator is an acceptable fallback.
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 0xF];
  }
  return id;
}

}  // namespace datamesh::gateway::http
