// The thrasher's REST client of the gateway (docs/API.md) over libcurl: accounts, uploads whose
// bytes are generated as they are sent, downloads checked byte by byte as they arrive, deletes,
// listings, file health and usage.
//
// Every call answers a Reply: the HTTP status and the error body, or the transport failure
// (status 0) with curl's message. Judging a reply is the caller's business; the one judgement
// made here is about the bytes of a 2xx download, which are never kept.
//
// Not thread-safe: one GatewayClient per thread (it owns a curl handle).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "tools/cli/http_client.h"
#include "tools/thrash/content.h"

namespace datamesh::thrash {

struct Reply {
  long status = 0;   // 0: no HTTP answer (transport failure, see `transport_error`)
  std::string body;  // the answer's body (not for downloads into a verifier)
  std::string transport_error;
  std::string request_id;  // what this request sent as X-Request-Id (for the logs)
  std::map<std::string, std::string> headers;  // lower-case names

  bool ok(long want) const { return status == want; }
  // The error code of a JSON error body ({"error":{"code":...}}), or "" when it has none.
  std::string ErrorCode() const;
  // "HTTP 503 STORAGE_UNAVAILABLE", "HTTP 502 (no JSON error body)" or "transport: <curl text>".
  std::string Cause() const;
  // The body parsed, or a discarded value.
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// The outcome of a download checked against the expected bytes.
struct DownloadReply {
  Reply reply;
  uint64_t received = 0;    // body bytes that arrived and matched
  std::string wrong_bytes;  // set when a byte differed or too many arrived: the evidence
};

class GatewayClient {
 public:
  // `base_url`: "http://127.0.0.1:PORT". `request_prefix` starts every X-Request-Id, so the
  // services' log lines of this client's requests can be found.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<GatewayClient>> Create(
      std::string base_url, std::string request_prefix);

  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& token() const { return token_; }

  // A JSON call; `body` null sends none.
  Reply Call(const std::string& method, const std::string& path, const nlohmann::json& body);

  // Uploads `size` bytes of file `file_key` as `name`; `sha256_hex` receives the SHA-256 of what
  // was sent when the whole body went out.
  Reply Upload(const Content& content, uint64_t file_key, uint64_t size, const std::string& name,
               std::string* sha256_hex);

  // Downloads file `id`, whole (length 0 and offset 0) or the range [offset, offset + length),
  // checking every byte against `file_key`'s.
  DownloadReply Download(const Content& content, uint64_t file_key, const std::string& id,
                         uint64_t offset, uint64_t length, bool range);

 private:
  GatewayClient(std::unique_ptr<cli::HttpClient> http, std::string base, std::string prefix)
      : http_(std::move(http)), base_(std::move(base)), prefix_(std::move(prefix)) {}
  Reply Send(cli::HttpRequest request);

  std::unique_ptr<cli::HttpClient> http_;
  std::string base_;
  std::string prefix_;
  std::string token_;
  uint64_t requests_ = 0;
};

// Reading the gateway's answers without trusting their shape (nlohmann's value() throws on a
// member of another type): `object`'s member `key`, or null when there is none.
const nlohmann::json& JsonField(const nlohmann::json& object, const std::string& key);
// The member `key` when it is a string; "" otherwise.
std::string JsonString(const nlohmann::json& object, const std::string& key);

// A JSON number or string holding an unsigned integer (proto JSON writes 64-bit ones as
// strings); `fallback` when it is neither.
uint64_t JsonUint(const nlohmann::json& value, uint64_t fallback = 0);

}  // namespace datamesh::thrash
