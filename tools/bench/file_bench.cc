// dm-file-bench: end-to-end throughput and latency of FileService (file-ingest over gRPC).
//   dm-file-bench --addr host:port [--scenario big|mid|small|all] [sizes and counts, see --help]
// Scenarios: "big" uploads then downloads one large file as a single stream (MB/s, MB = 10^6);
// "mid" and "small" upload then download many files with several in flight (files/s, and p50/p99
// latency per call). Every downloaded byte is compared with what was uploaded: a wrong byte
// fails the run (exit 1). Results are printed as markdown table rows `| name | figure |`.
//
// File content is deterministic per (file number, offset), so downloads are verified without
// keeping files in memory: 1 MiB blocks come from a random pool and are stamped with their file
// and block number, so no two blocks are equal (nothing compresses, nothing deduplicates).
// The owner is a fresh id with a fresh X25519 key pair per run; files are deleted afterwards.
// With --ingest-pid (file-ingest's process on this machine), "mid" and "small" also print
// file-ingest's resident memory before and its peak during the uploads and the downloads
// (sampled every 20 ms from /proc).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "shared/config/flags.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "tools/bench/bench_content.h"
#include "tools/bench/bench_report.h"
#include "tools/bench/file_client.h"
#include "tools/bench/proc_status.h"

namespace datamesh::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Runs fn(i) for i in [0, count) on `inflight` threads; stops at the first error. Fills
// latencies_ms (per call) and returns the wall time in seconds.
absl::StatusOr<double> RunParallel(uint64_t count, int64_t inflight,
                                   const std::function<absl::Status(uint64_t)>& fn,
                                   std::vector<double>& latencies_ms) {
  latencies_ms.assign(count, 0.0);
  std::atomic<uint64_t> next{0};
  std::mutex mu;
  absl::Status first_error;
  auto worker = [&] {
    for (uint64_t i = next++; i < count; i = next++) {
      auto start = Clock::now();
      absl::Status s = fn(i);
      latencies_ms[i] = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = s;
        next = count;
      }
    }
  };
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int64_t t = 0; t < std::max<int64_t>(1, inflight); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!first_error.ok()) return first_error;
  return seconds;
}

struct Options {
  std::string addr;
  std::string scenario = "all";
  int64_t big_bytes = int64_t{1} << 30;
  int64_t mid_count = 500;
  int64_t mid_bytes = int64_t{1} << 20;
  int64_t mid_inflight = 8;
  int64_t small_count = 2000;
  int64_t small_bytes = 4096;
  int64_t small_inflight = 8;
  int64_t ingest_pid = 0;
  bool keep = false;
};

// Deletes the files (not timed); a failure only warns: the figures stand.
void Cleanup(const FileClient& client, const std::vector<std::string>& ids, int64_t inflight) {
  std::vector<double> unused;
  auto done = RunParallel(
      ids.size(), inflight, [&](uint64_t i) { return client.Delete(ids[i]); }, unused);
  if (!done.ok()) std::cerr << "warning: cleanup: " << done.status() << "\n";
}

absl::Status RunBig(const FileClient& client, const Options& o, uint64_t base) {
  uint64_t size = static_cast<uint64_t>(o.big_bytes);
  auto start = Clock::now();
  absl::StatusOr<std::string> id = client.Upload(base, size);
  if (!id.ok()) return id.status();
  double up = std::chrono::duration<double>(Clock::now() - start).count();
  Row(absl::StrCat("FileService upload, one ", SizeText(size), " stream"),
      Fixed(static_cast<double>(size) / 1e6 / up, "MB/s"));
  std::string scratch;
  start = Clock::now();
  if (absl::Status s = client.Download(*id, base, size, scratch); !s.ok()) return s;
  double down = std::chrono::duration<double>(Clock::now() - start).count();
  Row(absl::StrCat("FileService download, one ", SizeText(size), " stream"),
      Fixed(static_cast<double>(size) / 1e6 / down, "MB/s"));
  if (!o.keep) Cleanup(client, {*id}, 1);
  return absl::OkStatus();
}

// Uploads then downloads `count` files of `size` bytes, `inflight` at a time.
absl::Status RunMany(const FileClient& client, const Options& o, uint64_t base, uint64_t count,
                     uint64_t size, int64_t inflight, bool latency) {
  std::vector<std::string> ids(count);
  std::vector<double> up_ms, down_ms;
  const int64_t rss_before = o.ingest_pid > 0 ? RssKiB(o.ingest_pid) : -1;
  std::optional<RssSampler> rss;
  if (o.ingest_pid > 0) rss.emplace(o.ingest_pid);
  auto up = RunParallel(
      count, inflight,
      [&](uint64_t i) -> absl::Status {
        absl::StatusOr<std::string> id = client.Upload(base + i, size);
        if (!id.ok()) return id.status();
        ids[i] = *std::move(id);
        return absl::OkStatus();
      },
      up_ms);
  if (!up.ok()) return up.status();
  const int64_t rss_up = rss ? rss->peak_kib() : -1;
  if (rss) rss.emplace(o.ingest_pid);  // the downloads' peak, apart
  auto down = RunParallel(
      count, inflight,
      [&](uint64_t i) {
        thread_local std::string scratch;
        return client.Download(ids[i], base + i, size, scratch);
      },
      down_ms);
  if (!down.ok()) return down.status();
  std::string what = absl::StrCat(SizeText(size), " x ", count, ", ", inflight, " in flight");
  Row(absl::StrCat("FileService upload ", what), Fixed(count / *up, "files/s"));
  Row(absl::StrCat("FileService download ", what), Fixed(count / *down, "files/s"));
  if (rss) {
    rss->Stop();
    Row("  file-ingest RSS before / peak up / peak down",
        absl::StrCat(rss_before / 1024, " / ", rss_up / 1024, " / ", rss->peak_kib() / 1024,
                     " MiB"));
  }
  if (latency) {
    Row(absl::StrCat("  upload ", SizeText(size), " latency p50 / p99"),
        Pair(Percentile(up_ms, 0.5), Percentile(up_ms, 0.99)));
    Row(absl::StrCat("  download ", SizeText(size), " latency p50 / p99"),
        Pair(Percentile(down_ms, 0.5), Percentile(down_ms, 0.99)));
  }
  if (!o.keep) Cleanup(client, ids, inflight);
  return absl::OkStatus();
}

absl::Status Run(const Options& o) {
  absl::StatusOr<Identity> identity = NewIdentity();
  if (!identity.ok()) return identity.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(8 << 20);
  auto channel = grpc::CreateCustomChannel(o.addr, grpc::InsecureChannelCredentials(), args);
  Content content(std::hash<std::string>{}(identity->owner_id));
  FileClient client(channel, content, *std::move(identity));
  bool all = o.scenario == "all";
  if (all || o.scenario == "big") {
    if (absl::Status s = RunBig(client, o, 0); !s.ok()) return s;
  }
  if (all || o.scenario == "mid") {
    absl::Status s = RunMany(client, o, 1'000'000, o.mid_count, o.mid_bytes, o.mid_inflight, false);
    if (!s.ok()) return s;
  }
  if (all || o.scenario == "small") {
    absl::Status s =
        RunMany(client, o, 2'000'000, o.small_count, o.small_bytes, o.small_inflight, true);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace datamesh::bench

int main(int argc, char** argv) {
  datamesh::bench::Options o;
  datamesh::config::FlagSet flags("dm-file-bench");
  flags.AddString("addr", &o.addr, "file-ingest gRPC address host:port");
  flags.AddString("scenario", &o.scenario, "big, mid, small or all");
  flags.AddInt("big-bytes", &o.big_bytes, "size of the single-stream file");
  flags.AddInt("mid-count", &o.mid_count, "number of mid-size files");
  flags.AddInt("mid-bytes", &o.mid_bytes, "size of each mid-size file");
  flags.AddInt("mid-inflight", &o.mid_inflight, "mid-size calls in flight");
  flags.AddInt("small-count", &o.small_count, "number of small files");
  flags.AddInt("small-bytes", &o.small_bytes, "size of each small file");
  flags.AddInt("small-inflight", &o.small_inflight, "small-file calls in flight");
  flags.AddInt("ingest-pid", &o.ingest_pid,
               "file-ingest's pid on this machine: print its resident memory during mid and "
               "small (0: not sampled)");
  flags.AddBool("keep", &o.keep, "keep the files instead of deleting them");
  absl::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  bool valid =
      o.scenario == "all" || o.scenario == "big" || o.scenario == "mid" || o.scenario == "small";
  if (!parsed.ok() || o.addr.empty() || !valid || o.big_bytes < 0 || o.mid_bytes < 0 ||
      o.small_bytes < 0 || o.mid_count < 0 || o.small_count < 0) {
    std::cerr << (parsed.ok() ? "need --addr, a known --scenario and sizes >= 0"
                              : std::string(parsed.message()))
              << "\n"
              << flags.Usage();
    return 2;
  }
  if (absl::Status s = datamesh::bench::Run(o); !s.ok()) {
    std::cerr << "dm-file-bench: " << s << "\n";
    return 1;
  }
  return 0;
}
