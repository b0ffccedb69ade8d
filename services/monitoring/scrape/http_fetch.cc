#include "services/monitoring/scrape/http_fetch.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace datamesh::monitoring::scrape {
namespace {

// What every service here serves (prometheus-cpp: text 0.0.4); OpenMetrics is parsed too when a
// target prefers it.
constexpr char kAccept[] =
    "Accept: application/openmetrics-text;version=1.0.0;q=0.5,"
    "text/plain;version=0.0.4;q=1,*/*;q=0.1";

struct Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  FetchResult* result = nullptr;
  size_t max_body = 0;
  bool too_large = false;
  absl::Time started;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (t->result->body.size() + bytes > t->max_body) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->result->body.append(data, bytes);
  return bytes;
}

void Finish(Transfer& t, CURLcode code) {
  FetchResult& r = *t.result;
  r.elapsed = absl::Now() - t.started;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &r.http_status);
  char* type = nullptr;
  if (curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr) {
    r.content_type = type;
  }
  if (t.too_large) {
    r.error = absl::StrCat("body larger than ", t.max_body, " bytes");
  } else if (code != CURLE_OK) {
    r.error = curl_easy_strerror(code);
  } else if (r.http_status != 200) {
    r.error = absl::StrCat("HTTP status ", r.http_status);
  } else {
    r.ok = true;
  }
  if (!r.ok) r.body.clear();
}

}  // namespace

std::vector<FetchResult> FetchAll(const std::vector<std::string>& urls,
                                  const FetchOptions& options) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::vector<FetchResult> results(urls.size());
  std::vector<Transfer> transfers(urls.size());
  std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(),
                                                              curl_multi_cleanup);
  const long timeout_ms =
      static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(options.timeout)));
  for (size_t i = 0; i < urls.size(); ++i) {
    Transfer& t = transfers[i];
    t.result = &results[i];
    t.max_body = options.max_body_bytes;
    t.started = absl::Now();
    t.easy = curl_easy_init();
    t.headers = curl_slist_append(nullptr, kAccept);
    curl_easy_setopt(t.easy, CURLOPT_URL, urls[i].c_str());
    curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, t.headers);
    curl_easy_setopt(t.easy, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(t.easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(t.easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t.easy, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the target offers it
    curl_easy_setopt(t.easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_multi_add_handle(multi.get(), t.easy);
  }
  int running = 0;
  do {
    if (curl_multi_perform(multi.get(), &running) != CURLM_OK) break;
    int msgs = 0;
    while (CURLMsg* m = curl_multi_info_read(multi.get(), &msgs)) {
      if (m->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
      Finish(*t, m->data.result);
    }
    if (running > 0) curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
  } while (running > 0);
  for (Transfer& t : transfers) {
    if (!t.result->ok && t.result->error.empty()) t.result->error = "not completed";
    curl_multi_remove_handle(multi.get(), t.easy);
    curl_easy_cleanup(t.easy);
    curl_slist_free_all(t.headers);
  }
  return results;
}

}  // namespace datamesh::monitoring::scrape
