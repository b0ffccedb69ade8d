#include "tools/cli/http_client.h"

#include <curl/curl.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace datamesh::cli {
namespace {

// Error bodies are small JSON documents; anything longer is cut rather than kept in memory.
constexpr size_t kMaxErrorBody = 1 << 20;
constexpr long kConnectTimeoutSeconds = 10;
// A transfer that moves nothing for this long is given up (a stuck server or network).
constexpr long kStallSeconds = 120;

// What the callbacks of one transfer share.
struct Transfer {
  CURL* curl;
  const HttpRequest* request;
  HttpResponse* response;
  absl::Status callback_error;  // from the source or the sink; aborts the transfer
};

bool Is2xx(CURL* curl) {
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  return code >= 200 && code < 300;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  // A new status line (after 100 Continue) starts a new header set.
  if (line.rfind("HTTP/", 0) == 0) t->response->headers.clear();
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = absl::AsciiStrToLower(std::string(line.substr(0, colon)));
    std::string value(absl::StripAsciiWhitespace(std::string(line.substr(colon + 1))));
    t->response->headers[name] = value;
  }
  return size * n;
}

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (t->request->sink != nullptr && Is2xx(t->curl)) {
    t->callback_error = t->request->sink->Write(std::string_view(data, bytes));
    return t->callback_error.ok() ? bytes : 0;  // 0 makes curl abort with a write error
  }
  std::string& body = t->response->body;
  body.append(data, std::min(bytes, kMaxErrorBody - std::min(kMaxErrorBody, body.size())));
  return bytes;
}

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  absl::StatusOr<size_t> got = t->request->upload->Read(buffer, size * n);
  if (!got.ok()) {
    t->callback_error = got.status();
    return CURL_READFUNC_ABORT;
  }
  return *got;
}

int OnProgress(void* user, curl_off_t dl_total, curl_off_t dl_now, curl_off_t ul_total,
               curl_off_t ul_now) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->upload != nullptr) {
    t->request->progress(static_cast<uint64_t>(ul_now), t->request->upload->size());
  } else {
    t->request->progress(static_cast<uint64_t>(dl_now), static_cast<uint64_t>(dl_total));
  }
  return 0;
}

void SetBody(CURL* curl, const HttpRequest& request, Transfer* t) {
  if (request.upload != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(curl, CURLOPT_READDATA, t);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.upload->size()));
  } else if (request.method == "POST" || request.method == "PUT" || !request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET" && request.method != "POST") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

absl::StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create() {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("cannot initialise libcurl");
  return std::unique_ptr<HttpClient>(new HttpClient(curl));
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::string HttpClient::Escape(std::string_view text) const {
  char* escaped =
      curl_easy_escape(static_cast<CURL*>(curl_), text.data(), static_cast<int>(text.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

absl::StatusOr<HttpResponse> HttpClient::Perform(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // keeps the connection cache, drops the previous request's options
  HttpResponse response;
  Transfer t{curl, &request, &response, absl::OkStatus()};
  char error_text[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const std::string& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  // No "Expect: 100-continue" round trip before uploads.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  if (request.progress) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  }
  SetBody(curl, request, &t);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (!t.callback_error.ok()) return t.callback_error;
  if (rc != CURLE_OK) {
    // A server refusing an upload half-way answers and closes; its answer is what matters.
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    if (response.status >= 400) return response;
    return absl::UnavailableError(absl::StrCat(
        "cannot talk to ", request.url, ": ", error_text[0] ? error_text : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace datamesh::cli
