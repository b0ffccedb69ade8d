// The REST API of docs/API.md as the CLI uses it: URLs under <endpoint>/api/v1, the bearer
// token, JSON bodies, and API errors turned into statuses (exit_codes.h).
//
// Borrows the HttpClient (which must outlive it). Single-threaded, like the HttpClient.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "tools/cli/http_client.h"

namespace datamesh::cli {

class ApiClient {
 public:
  // `token` may be empty for the unauthenticated routes (register, login).
  ApiClient(HttpClient& http, std::string endpoint, std::string token)
      : http_(http), endpoint_(std::move(endpoint)), token_(std::move(token)) {}

  // <endpoint>/api/v1<path>; `path` starts with "/" and is already escaped.
  std::string Url(std::string_view path) const;
  std::string Escape(std::string_view text) const { return http_.Escape(text); }
  const std::string& endpoint() const { return endpoint_; }

  // A JSON call. `body` is sent when not null. 2xx → the parsed answer (null for 204);
  // otherwise the API error as a status (StatusFromHttp).
  [[nodiscard]] absl::StatusOr<nlohmann::json> Call(const std::string& method,
                                                    const std::string& path,
                                                    const nlohmann::json* body = nullptr);

  // A raw request: `request.url` is set from `path`, the token and headers are added.
  // Non-2xx answers come back as responses (see CheckOk).
  [[nodiscard]] absl::StatusOr<HttpResponse> Send(const std::string& path, HttpRequest request);

 private:
  HttpClient& http_;
  std::string endpoint_;
  std::string token_;
};

// OK for a 2xx response, else its API error.
[[nodiscard]] absl::Status CheckOk(const HttpResponse& response);

// The file name in a Content-Disposition header (RFC 6266: filename* preferred); "" if none.
std::string FileNameFromDisposition(std::string_view header);

// A 64-bit field of the proto JSON mapping, which may arrive as a number or a string; 0 if absent.
uint64_t JsonU64(const nlohmann::json& object, const std::string& key);
// A string field; "" if absent or not a string.
std::string JsonStr(const nlohmann::json& object, const std::string& key);

}  // namespace datamesh::cli
