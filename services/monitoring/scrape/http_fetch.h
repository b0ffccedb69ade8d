// HTTP GET of many /metrics endpoints at once, over libcurl's multi interface on the calling
// thread: one round of scrapes takes as long as its slowest target, at most the timeout.
//
// Thread-safe: each call uses its own handles.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace datamesh::monitoring::scrape {

struct FetchResult {
  bool ok = false;       // a complete answer with status 200
  long http_status = 0;  // 0 when no answer came
  std::string body;
  std::string content_type;
  std::string error;  // why not ok, for logs and the scrape's outcome
  absl::Duration elapsed;
};

struct FetchOptions {
  absl::Duration timeout = absl::Seconds(10);
  // A larger body is cut off and the fetch fails (a broken or hostile target cannot exhaust
  // memory).
  size_t max_body_bytes = 32 << 20;
};

// Fetches every URL concurrently; results in the order of `urls`.
std::vector<FetchResult> FetchAll(const std::vector<std::string>& urls,
                                  const FetchOptions& options);

}  // namespace datamesh::monitoring::scrape
