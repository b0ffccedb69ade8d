// dm-http-bench's pieces shared by its scenarios (http_bench.cc, http_bench_slow.cc): the
// options, a libcurl client of the gateway, users, file round trips and the gateway's memory.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/bench/bench_content.h"
#include "tools/bench/proc_status.h"
#include "tools/cli/http_client.h"

namespace datamesh::bench {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string url;
  std::string admin_password;
  std::string scenario = "all";
  int64_t big_bytes = int64_t{1} << 30;
  int64_t small_count = 2000;
  int64_t small_bytes = 4096;
  int64_t inflight = 8;
  int64_t rss_bytes = int64_t{5} << 30;
  int64_t gateway_pid = 0;
  int64_t slow_users = 50;
  int64_t slow_per_user = 20;
  int64_t slow_probes = 200;
  int64_t slow_seconds = 60;
};

inline double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One client of the gateway: a curl handle, the base URL and the bearer token.
class Http {
 public:
  explicit Http(std::string base) : base_(std::move(base)) {
    auto client = cli::HttpClient::Create();
    if (client.ok()) client_ = *std::move(client);
  }
  void set_token(std::string token) { token_ = std::move(token); }

  absl::StatusOr<cli::HttpResponse> Send(cli::HttpRequest req) {
    if (client_ == nullptr) return absl::InternalError("libcurl did not initialise");
    req.url = base_ + req.url;
    if (!token_.empty()) req.headers.push_back("Authorization: Bearer " + token_);
    return client_->Perform(req);
  }

 private:
  std::string base_;
  std::string token_;
  std::unique_ptr<cli::HttpClient> client_;
};

// `method path` with a JSON body (none when null); FAILED_PRECONDITION unless it answers `want`.
absl::StatusOr<nlohmann::json> Call(Http& http, const std::string& method, const std::string& path,
                                    const nlohmann::json& body, long want);

// Registers user `name` (on the default tier) and returns its id.
absl::StatusOr<std::string> Register(Http& http, const std::string& name,
                                     const std::string& password);
// Logs `name` in and returns its session token.
absl::StatusOr<std::string> Login(Http& http, const std::string& name, const std::string& password);

// Uploads file `n` of `size` bytes; returns its id.
absl::StatusOr<std::string> Upload(Http& http, const Content& content, uint64_t n, uint64_t size);
// Deletes files, warning about those that could not be.
void Delete(Http& http, const std::vector<std::string>& ids);

// The gateway under clients that stall mid-upload (http_bench_slow.cc).
absl::Status RunSlow(const Options& o, const Content& content, uint64_t seed);

}  // namespace datamesh::bench
