#include "tools/thrash/gateway_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"

namespace datamesh::thrash {
namespace {

// The body of file `file_key`, generated as curl asks for it and hashed on the way out.
class ContentSource : public cli::UploadSource {
 public:
  ContentSource(const Content& content, uint64_t file_key, uint64_t size,
                crypto::Sha256Hasher hasher)
      : content_(content), file_key_(file_key), size_(size), hasher_(std::move(hasher)) {}
  uint64_t size() const override { return size_; }
  absl::StatusOr<size_t> Read(char* buffer, size_t n) override {
    const auto take = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset_));
    content_.Fill(file_key_, offset_, take, buffer);
    hasher_.Update(std::string_view(buffer, take));
    offset_ += take;
    return take;
  }
  // The hex SHA-256 of the body, once all of it was read; "" before.
  std::string Sha256Hex() {
    if (offset_ != size_) return "";
    absl::StatusOr<crypto::Sha256Digest> digest = hasher_.Finish();
    return digest.ok() ? crypto::HexEncode(crypto::AsStringView(*digest)) : "";
  }

 private:
  const Content& content_;
  const uint64_t file_key_, size_;
  crypto::Sha256Hasher hasher_;
  uint64_t offset_ = 0;
};

class VerifyingSink : public cli::DownloadSink {
 public:
  explicit VerifyingSink(ContentVerifier& verifier) : verifier_(verifier) {}
  absl::Status Write(std::string_view data) override {
    if (verifier_.Accept(data)) return absl::OkStatus();
    return absl::DataLossError(verifier_.error());
  }

 private:
  ContentVerifier& verifier_;
};

// "cannot talk to <url>: <curl's text>": the cause of a failure is the same whatever the URL
// (which holds no ": ").
std::string WithoutUrl(const std::string& message) {
  const size_t colon = message.find(": ");
  return colon == std::string::npos ? message : message.substr(colon + 2);
}

}  // namespace

std::string Reply::ErrorCode() const { return JsonString(JsonField(Json(), "error"), "code"); }

const nlohmann::json& JsonField(const nlohmann::json& object, const std::string& key) {
  static const nlohmann::json* const kNull = new nlohmann::json();
  if (!object.is_object()) return *kNull;
  auto it = object.find(key);
  return it == object.end() ? *kNull : *it;
}

std::string JsonString(const nlohmann::json& object, const std::string& key) {
  const nlohmann::json& field = JsonField(object, key);
  return field.is_string() ? field.get<std::string>() : "";
}

std::string Reply::Cause() const {
  if (status == 0) return "transport: " + WithoutUrl(transport_error);
  const std::string code = ErrorCode();
  return absl::StrCat("HTTP ", status, " ", code.empty() ? "(no JSON error body)" : code);
}

uint64_t JsonUint(const nlohmann::json& value, uint64_t fallback) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) return value.get<int64_t>();
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 20 && s.find_first_not_of("0123456789") == std::string::npos) {
      return std::stoull(s);
    }
  }
  return fallback;
}

absl::StatusOr<std::unique_ptr<GatewayClient>> GatewayClient::Create(std::string base_url,
                                                                     std::string request_prefix) {
  absl::StatusOr<std::unique_ptr<cli::HttpClient>> http = cli::HttpClient::Create();
  if (!http.ok()) return http.status();
  return std::unique_ptr<GatewayClient>(
      new GatewayClient(*std::move(http), std::move(base_url), std::move(request_prefix)));
}

Reply GatewayClient::Send(cli::HttpRequest request) {
  Reply reply;
  reply.request_id = absl::StrCat(prefix_, "-", ++requests_);
  request.url = base_ + request.url;
  request.headers.push_back("X-Request-Id: " + reply.request_id);
  if (!token_.empty()) request.headers.push_back("Authorization: Bearer " + token_);
  absl::StatusOr<cli::HttpResponse> r = http_->Perform(request);
  if (!r.ok()) {
    reply.transport_error = std::string(r.status().message());
    return reply;
  }
  reply.status = r->status;
  reply.body = std::move(r->body);
  reply.headers = std::move(r->headers);
  return reply;
}

Reply GatewayClient::Call(const std::string& method, const std::string& path,
                          const nlohmann::json& body) {
  cli::HttpRequest req;
  req.method = method;
  req.url = path;
  if (!body.is_null()) {
    req.body = body.dump();
    req.headers.push_back("Content-Type: application/json");
  }
  return Send(std::move(req));
}

Reply GatewayClient::Upload(const Content& content, uint64_t file_key, uint64_t size,
                            const std::string& name, std::string* sha256_hex) {
  absl::StatusOr<crypto::Sha256Hasher> hasher = crypto::Sha256Hasher::Create();
  if (!hasher.ok()) {
    Reply failed;
    failed.transport_error = "cannot hash: " + std::string(hasher.status().message());
    return failed;
  }
  ContentSource source(content, file_key, size, *std::move(hasher));
  cli::HttpRequest req;
  req.method = "POST";
  req.url = "/api/v1/files?name=" + http_->Escape(name);
  req.headers = {"Content-Type: application/octet-stream"};
  req.upload = &source;
  Reply reply = Send(std::move(req));
  *sha256_hex = source.Sha256Hex();
  return reply;
}

DownloadReply GatewayClient::Download(const Content& content, uint64_t file_key,
                                      const std::string& id, uint64_t offset, uint64_t length,
                                      bool range) {
  ContentVerifier verifier(content, file_key, offset, length);
  VerifyingSink sink(verifier);
  cli::HttpRequest req;
  req.url = "/api/v1/files/" + id;
  if (range) req.headers.push_back(absl::StrCat("Range: bytes=", offset, "-", offset + length - 1));
  req.sink = &sink;
  DownloadReply out;
  out.reply = Send(std::move(req));
  out.received = verifier.received();
  out.wrong_bytes = verifier.error();
  return out;
}

}  // namespace datamesh::thrash
