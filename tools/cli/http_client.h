// A small blocking HTTP/1.1 client over libcurl for the CLI: JSON calls with bodies in memory,
// and streamed uploads and downloads through UploadSource / DownloadSink, so a file of any size
// never sits whole in memory.
//
// Transport failures (connection refused, timeouts, DNS) are kUnavailable. A non-2xx answer is
// NOT an error here: the caller gets the status code and the (small) error body and decides.
// One HttpClient per thread (it owns a curl easy handle, reused so connections stay alive).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::cli {

// Supplies a request body of a size known in advance.
class UploadSource {
 public:
  virtual ~UploadSource() = default;
  virtual uint64_t size() const = 0;
  // Fills up to `n` bytes; 0 only at the end. Errors abort the request.
  [[nodiscard]] virtual absl::StatusOr<size_t> Read(char* buffer, size_t n) = 0;
};

// Receives the body of a 2xx answer.
class DownloadSink {
 public:
  virtual ~DownloadSink() = default;
  [[nodiscard]] virtual absl::Status Write(std::string_view data) = 0;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // used when `upload` is null and the method sends one
  UploadSource* upload = nullptr;    // not owned
  DownloadSink* sink = nullptr;      // not owned; 2xx bodies go here instead of into `body`
  // Called as bytes move: (bytes done, bytes total or 0 when unknown).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct HttpResponse {
  long status = 0;
  std::string body;                            // non-2xx bodies, and 2xx ones without a sink
  std::map<std::string, std::string> headers;  // lower-case names
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  // kInternal if libcurl cannot be initialised.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpClient>> Create();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs the request. kUnavailable for transport failures; the error of `upload` or `sink`
  // when one of them failed (the request is aborted then).
  [[nodiscard]] absl::StatusOr<HttpResponse> Perform(const HttpRequest& request);

  // Percent-encodes a query value.
  std::string Escape(std::string_view text) const;

 private:
  explicit HttpClient(void* curl) : curl_(curl) {}
  void* curl_;  // CURL*
};

}  // namespace datamesh::cli
