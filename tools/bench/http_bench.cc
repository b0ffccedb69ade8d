// dm-http-bench: the REST path end to end, through the gateway as a client sees it.
//   dm-http-bench --url http://host:port --admin-password P [--scenario big|small|rss|all|slow]
// Sets up a throwaway user on the enterprise tier (no quota in the way; needs the admin's
// password for PUT /admin/users), then:
//   big    one --big-bytes upload then download as single streams (MB/s, MB = 10^6)
//   small  --small-count files of --small-bytes with --inflight clients: files/s, p50/p99
//   rss    one --rss-bytes upload while sampling the gateway's resident memory (/proc of
//          --gateway-pid, every 20 ms): the peak, which must stay bounded whatever the size
//   all    big, small and rss
//   slow   the edge under --slow-users x --slow-per-user uploads stalled after 1 KiB: health
//          probes, another user's download, the gateway's memory and threads
//          (http_bench_slow.cc; not part of `all`, its stalled clients leave the gateway busy)
// Every downloaded byte is compared with what was uploaded; a wrong byte fails the run (exit 1).
// Files are deleted afterwards (not timed). Results are markdown rows `| name | figure |`.
#include "tools/bench/http_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/config/flags.h"
#include "shared/status/status.h"
#include "tools/bench/bench_report.h"

namespace datamesh::bench {

using nlohmann::json;

namespace {

// The body of file `n`, generated as it is sent.
class ContentSource : public cli::UploadSource {
 public:
  ContentSource(const Content& content, uint64_t n, uint64_t size)
      : content_(content), n_(n), size_(size) {}
  uint64_t size() const override { return size_; }
  absl::StatusOr<size_t> Read(char* buffer, size_t len) override {
    const auto take = static_cast<size_t>(std::min<uint64_t>(len, size_ - offset_));
    content_.Fill(n_, offset_, take, buffer);
    offset_ += take;
    return take;
  }

 private:
  const Content& content_;
  const uint64_t n_, size_;
  uint64_t offset_ = 0;
};

// Compares a download with file `n` as it arrives.
class VerifySink : public cli::DownloadSink {
 public:
  VerifySink(const Content& content, uint64_t n, uint64_t size)
      : content_(content), n_(n), size_(size) {}
  absl::Status Write(std::string_view data) override {
    if (offset_ + data.size() > size_) return absl::DataLossError("download is too long");
    expected_.resize(data.size());
    content_.Fill(n_, offset_, data.size(), expected_.data());
    if (std::memcmp(expected_.data(), data.data(), data.size()) != 0) {
      return absl::DataLossError(absl::StrCat("wrong byte near offset ", offset_));
    }
    offset_ += data.size();
    return absl::OkStatus();
  }
  uint64_t received() const { return offset_; }

 private:
  const Content& content_;
  const uint64_t n_, size_;
  uint64_t offset_ = 0;
  std::string expected_;
};

}  // namespace

absl::StatusOr<json> Call(Http& http, const std::string& method, const std::string& path,
                          const json& body, long want) {
  cli::HttpRequest req;
  req.method = method;
  req.url = path;
  if (!body.is_null()) {
    req.body = body.dump();
    req.headers.push_back("Content-Type: application/json");
  }
  ASSIGN_OR_RETURN(cli::HttpResponse r, http.Send(std::move(req)));
  if (r.status != want) {
    return absl::FailedPreconditionError(
        absl::StrCat(method, " ", path, " answered ", r.status, ": ", r.body));
  }
  return r.body.empty() ? json() : json::parse(r.body, nullptr, /*allow_exceptions=*/false);
}

absl::StatusOr<std::string> Register(Http& http, const std::string& name,
                                     const std::string& password) {
  ASSIGN_OR_RETURN(
      json user,
      Call(http, "POST", "/api/v1/auth/register",
           {{"username", name}, {"email", name + "@bench.invalid"}, {"password", password}}, 201));
  return user["user"].value("id", "");
}

absl::StatusOr<std::string> Login(Http& http, const std::string& name,
                                  const std::string& password) {
  ASSIGN_OR_RETURN(json session, Call(http, "POST", "/api/v1/auth/login",
                                      {{"username", name}, {"password", password}}, 200));
  return session.value("token", "");
}

absl::StatusOr<std::string> Upload(Http& http, const Content& content, uint64_t n, uint64_t size) {
  ContentSource source(content, n, size);
  cli::HttpRequest req;
  req.method = "POST";
  req.url = absl::StrCat("/api/v1/files?name=bench-", n);
  req.headers = {"Content-Type: application/octet-stream"};
  req.upload = &source;
  ASSIGN_OR_RETURN(cli::HttpResponse r, http.Send(std::move(req)));
  if (r.status != 201) return absl::UnknownError(absl::StrCat("upload ", r.status, ": ", r.body));
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.contains("file")) return absl::UnknownError("bad upload answer");
  return body["file"].value("id", "");
}

void Delete(Http& http, const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    cli::HttpRequest req;
    req.method = "DELETE";
    req.url = "/api/v1/files/" + id;
    auto r = http.Send(std::move(req));
    if (!r.ok() || r->status != 204) std::cerr << "warning: could not delete " << id << "\n";
  }
}

namespace {

// Downloads `id` and checks every byte against file `n` of `size` bytes.
absl::Status Download(Http& http, const Content& content, uint64_t n, uint64_t size,
                      const std::string& id) {
  VerifySink sink(content, n, size);
  cli::HttpRequest req;
  req.url = "/api/v1/files/" + id;
  req.sink = &sink;
  ASSIGN_OR_RETURN(cli::HttpResponse r, http.Send(std::move(req)));
  if (r.status != 200)
    return absl::DataLossError(absl::StrCat("download ", r.status, ": ", r.body));
  if (sink.received() != size) return absl::DataLossError("download is too short");
  return absl::OkStatus();
}

// Logs in as admin, registers a fresh user on the enterprise tier and returns its token.
absl::StatusOr<std::string> BenchUser(const Options& o, uint64_t seed) {
  Http http(o.url);
  const std::string name = absl::StrCat("bench_", seed);
  const std::string password = absl::StrCat("pw-", seed, "-bench");
  ASSIGN_OR_RETURN(std::string admin, Login(http, "admin", o.admin_password));
  ASSIGN_OR_RETURN(std::string id, Register(http, name, password));
  http.set_token(admin);
  RETURN_IF_ERROR(
      Call(http, "PUT", "/api/v1/admin/users/" + id, {{"tier", "enterprise"}}, 200).status());
  http.set_token("");
  return Login(http, name, password);
}

absl::Status RunBig(Http& http, const Content& content, uint64_t size) {
  auto start = Clock::now();
  ASSIGN_OR_RETURN(std::string id, Upload(http, content, 0, size));
  const double up = Since(start);
  start = Clock::now();
  RETURN_IF_ERROR(Download(http, content, 0, size, id));
  const double down = Since(start);
  Row(absl::StrCat("REST upload, one ", SizeText(size), " stream"),
      Fixed(static_cast<double>(size) / 1e6 / up, "MB/s"));
  Row(absl::StrCat("REST download, one ", SizeText(size), " stream"),
      Fixed(static_cast<double>(size) / 1e6 / down, "MB/s"));
  Delete(http, {id});
  return absl::OkStatus();
}

// Runs `count` calls of `one(i, http)` over `inflight` clients; latencies in ms to `ms`.
absl::StatusOr<double> Parallel(const Options& o, const std::string& token, int64_t count,
                                const std::function<absl::Status(int64_t, Http&)>& one,
                                std::vector<double>& ms) {
  std::atomic<int64_t> next{0};
  std::mutex mu;
  absl::Status first_error;
  std::vector<std::thread> workers;
  ms.assign(static_cast<size_t>(count), 0);
  const auto start = Clock::now();
  for (int64_t t = 0; t < o.inflight; ++t) {
    workers.emplace_back([&] {
      Http http(o.url);
      http.set_token(token);
      for (int64_t i; (i = next.fetch_add(1)) < count;) {
        const auto t0 = Clock::now();
        absl::Status s = one(i, http);
        ms[static_cast<size_t>(i)] = Since(t0) * 1e3;
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = s;
          next = count;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  if (!first_error.ok()) return first_error;
  return Since(start);
}

// CPU seconds (user + system) this process has used so far: the client's own cost, so that a
// reader can tell whether the client was the bottleneck.
double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

absl::Status RunSmall(const Options& o, const std::string& token, const Content& content) {
  const auto size = static_cast<uint64_t>(o.small_bytes);
  std::vector<std::string> ids(static_cast<size_t>(o.small_count));
  std::vector<double> up_ms, down_ms;
  const double cpu_start = OwnCpuSeconds();
  ASSIGN_OR_RETURN(double up, Parallel(
                                  o, token, o.small_count,
                                  [&](int64_t i, Http& h) {
                                    ASSIGN_OR_RETURN(ids[static_cast<size_t>(i)],
                                                     Upload(h, content, 100 + i, size));
                                    return absl::OkStatus();
                                  },
                                  up_ms));
  ASSIGN_OR_RETURN(double down, Parallel(
                                    o, token, o.small_count,
                                    [&](int64_t i, Http& h) {
                                      return Download(h, content, 100 + i, size,
                                                      ids[static_cast<size_t>(i)]);
                                    },
                                    down_ms));
  const double client_cpu_ms = (OwnCpuSeconds() - cpu_start) * 1e3;
  const std::string what =
      absl::StrCat(SizeText(size), " x ", o.small_count, ", ", o.inflight, " in flight");
  Row("REST upload " + what, Fixed(static_cast<double>(o.small_count) / up, "files/s"));
  Row("  upload latency p50 / p99", Pair(Percentile(up_ms, 0.5), Percentile(up_ms, 0.99)));
  Row("REST download " + what, Fixed(static_cast<double>(o.small_count) / down, "files/s"));
  Row("  download latency p50 / p99", Pair(Percentile(down_ms, 0.5), Percentile(down_ms, 0.99)));
  Row("  client CPU per request (up and down)",
      Fixed(client_cpu_ms / static_cast<double>(2 * o.small_count), "ms", 3));
  Http http(o.url);
  http.set_token(token);
  Delete(http, ids);
  return absl::OkStatus();
}

absl::Status RunRss(const Options& o, Http& http, const Content& content) {
  if (o.gateway_pid <= 0 || RssKiB(o.gateway_pid) < 0) {
    return absl::InvalidArgumentError("rss needs --gateway-pid of a running gateway");
  }
  const int64_t before = RssKiB(o.gateway_pid);
  RssSampler sampler(o.gateway_pid);
  const auto size = static_cast<uint64_t>(o.rss_bytes);
  const auto start = Clock::now();
  absl::StatusOr<std::string> id = Upload(http, content, 1, size);
  const double seconds = Since(start);
  sampler.Stop();
  if (!id.ok()) return id.status();
  Row(absl::StrCat("gateway RSS before / peak, ", SizeText(size), " upload"),
      absl::StrCat(before / 1024, " / ", sampler.peak_kib() / 1024, " MiB"));
  Row(absl::StrCat("  (that upload: ", Fixed(static_cast<double>(size) / 1e6 / seconds, "MB/s"),
                   ")"),
      "");
  Delete(http, {*id});
  return absl::OkStatus();
}

absl::Status Run(const Options& o) {
  const auto seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  const Content content(seed);
  if (o.scenario == "slow") return RunSlow(o, content, seed % 1000000007);
  ASSIGN_OR_RETURN(std::string token, BenchUser(o, seed % 1000000007));
  Http http(o.url);
  http.set_token(token);
  const bool all = o.scenario == "all";
  if (all || o.scenario == "big") RETURN_IF_ERROR(RunBig(http, content, o.big_bytes));
  if (all || o.scenario == "small") RETURN_IF_ERROR(RunSmall(o, token, content));
  if (all || o.scenario == "rss") RETURN_IF_ERROR(RunRss(o, http, content));
  return absl::OkStatus();
}

}  // namespace
}  // namespace datamesh::bench

int main(int argc, char** argv) {
  datamesh::bench::Options o;
  datamesh::config::FlagSet flags("dm-http-bench");
  flags.AddString("url", &o.url, "gateway base URL, e.g. http://127.0.0.1:8080");
  flags.AddString("admin-password", &o.admin_password, "password of user admin");
  flags.AddString("scenario", &o.scenario, "big, small, rss, all (those three) or slow");
  flags.AddInt("big-bytes", &o.big_bytes, "size of the single-stream file");
  flags.AddInt("small-count", &o.small_count, "number of small files");
  flags.AddInt("small-bytes", &o.small_bytes, "size of each small file");
  flags.AddInt("inflight", &o.inflight, "small-file clients in parallel");
  flags.AddInt("rss-bytes", &o.rss_bytes, "size of the upload during which RSS is sampled");
  flags.AddInt("gateway-pid", &o.gateway_pid, "pid of the gateway (rss and slow scenarios)");
  flags.AddInt("slow-users", &o.slow_users, "users holding stalled uploads (slow scenario)");
  flags.AddInt("slow-per-user", &o.slow_per_user, "stalled uploads each of them opens");
  flags.AddInt("slow-probes", &o.slow_probes, "GET /healthz timed per kind of connection");
  flags.AddInt("slow-seconds", &o.slow_seconds,
               "the slow scenario ends by then, counted from its first stalled upload");
  absl::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  const bool known = o.scenario == "all" || o.scenario == "big" || o.scenario == "small" ||
                     o.scenario == "rss" || o.scenario == "slow";
  if (!parsed.ok() || o.url.empty() || o.admin_password.empty() || !known || o.big_bytes < 0 ||
      o.small_bytes < 0 || o.small_count < 1 || o.inflight < 1 || o.rss_bytes < 0 ||
      o.slow_users < 1 || o.slow_per_user < 1 || o.slow_probes < 1 || o.slow_seconds < 1) {
    std::cerr << (parsed.ok() ? "need --url, --admin-password, a known --scenario, sizes >= 0, "
                                "counts >= 1"
                              : std::string(parsed.message()))
              << "\n"
              << flags.Usage();
    return 2;
  }
  if (absl::Status s = datamesh::bench::Run(o); !s.ok()) {
    std::cerr << "dm-http-bench: " << s << "\n";
    return 1;
  }
  return 0;
}
