#include "tools/cli/api_client.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/cli/exit_codes.h"

namespace datamesh::cli {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string ApiClient::Url(std::string_view path) const {
  return absl::StrCat(endpoint_, "/api/v1", std::string(path));
}

absl::StatusOr<HttpResponse> ApiClient::Send(const std::string& path, HttpRequest request) {
  request.url = Url(path);
  if (!token_.empty()) request.headers.push_back("Authorization: Bearer " + token_);
  return http_.Perform(request);
}

absl::StatusOr<nlohmann::json> ApiClient::Call(const std::string& method, const std::string& path,
                                               const nlohmann::json* body) {
  HttpRequest request;
  request.method = method;
  if (body != nullptr) {
    request.body = body->dump();
    request.headers.push_back("Content-Type: application/json");
  }
  absl::StatusOr<HttpResponse> response = Send(path, std::move(request));
  if (!response.ok()) return response.status();
  if (absl::Status s = CheckOk(*response); !s.ok()) return s;
  if (response->body.empty()) return nlohmann::json();
  nlohmann::json json = nlohmann::json::parse(response->body, nullptr, false);
  if (json.is_discarded()) {
    return absl::UnavailableError(
        absl::StrCat("the server's answer to ", method, " ", path, " is not JSON"));
  }
  return json;
}

absl::Status CheckOk(const HttpResponse& response) {
  if (response.status >= 200 && response.status < 300) return absl::OkStatus();
  return StatusFromHttp(response.status, response.body, response.Header("retry-after"));
}

std::string FileNameFromDisposition(std::string_view header) {
  constexpr std::string_view kExtended = "filename*=UTF-8''";
  if (size_t at = header.find(kExtended); at != std::string_view::npos) {
    std::string_view value = header.substr(at + kExtended.size());
    return PercentDecode(value.substr(0, value.find(';')));
  }
  constexpr std::string_view kPlain = "filename=\"";
  if (size_t at = header.find(kPlain); at != std::string_view::npos) {
    std::string_view value = header.substr(at + kPlain.size());
    return std::string(value.substr(0, value.find('"')));
  }
  return "";
}

uint64_t JsonU64(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return 0;
  const nlohmann::json& v = object[key];
  if (v.is_number_unsigned() || v.is_number_integer()) return v.get<uint64_t>();
  uint64_t parsed = 0;
  if (v.is_string() && absl::SimpleAtoi(v.get<std::string>(), &parsed)) return parsed;
  return 0;
}

std::string JsonStr(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

}  // namespace datamesh::cli
