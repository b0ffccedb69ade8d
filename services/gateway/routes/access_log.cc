#include "services/gateway/routes/access_log.h"

#include <chrono>
#include <string>

#include "services/gateway/http/api_error.h"
#include "shared/log/log.h"

namespace datamesh::gateway {
namespace {

// Forwards to the server's writer, remembering the status sent and the body bytes written.
class CountingWriter : public http::ResponseWriter {
 public:
  explicit CountingWriter(http::ResponseWriter& inner) : inner_(inner) {}

  void SetStatus(int status) override {
    if (!inner_.headers_sent()) status_ = status;
    inner_.SetStatus(status);
  }
  void SetHeader(std::string_view name, std::string_view value) override {
    inner_.SetHeader(name, value);
  }
  absl::Status WriteWhole(std::string body, std::string_view content_type) override {
    const size_t size = body.size();
    absl::Status s = inner_.WriteWhole(std::move(body), content_type);
    if (s.ok()) bytes_ += size;
    return s;
  }
  absl::Status WriteError(const absl::Status& status) override {
    if (!inner_.headers_sent()) status_ = http::ApiErrorFor(status).http_status;
    return inner_.WriteError(status);
  }
  absl::Status BeginStream(std::optional<uint64_t> content_length) override {
    return inner_.BeginStream(content_length);
  }
  absl::Status Write(std::string_view data) override {
    absl::Status s = inner_.Write(data);
    if (s.ok()) bytes_ += data.size();
    return s;
  }
  absl::Status Finish() override { return inner_.Finish(); }
  bool headers_sent() const override { return inner_.headers_sent(); }

  int status() const { return status_; }
  uint64_t bytes() const { return bytes_; }

 private:
  http::ResponseWriter& inner_;
  int status_ = 200;
  uint64_t bytes_ = 0;
};

}  // namespace

http::Handler WithAccessLog(http::Handler handler) {
  return [handler = std::move(handler)](const http::Request& request, http::BodyReader& body,
                                        http::ResponseWriter& writer) {
    log::ScopedRequestId scoped(std::string(request.request_id()));
    const auto start = std::chrono::steady_clock::now();
    CountingWriter counting(writer);
    handler(request, body, counting);
    const auto elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    log::Info("http request", {{"method", std::string(request.method())},
                               {"path", std::string(request.path())},
                               {"status", counting.status()},
                               {"bytes", counting.bytes()},
                               {"duration_ms", elapsed.count()}});
  };
}

}  // namespace datamesh::gateway
