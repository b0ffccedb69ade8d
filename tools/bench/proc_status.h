// Reading another process's /proc/<pid>/status from a benchmark: resident memory now, its peak
// sampled over a run.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace datamesh::bench {

// A field of /proc/<pid>/status in its unit (KiB for Vm* fields, a count for Threads), or -1.
inline int64_t ProcStatus(int64_t pid, const char* field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  const size_t len = std::strlen(field);
  std::string line;
  while (std::getline(status, line)) {
    if (line.compare(0, len, field) == 0) return std::stoll(line.substr(len));
  }
  return -1;
}

inline int64_t RssKiB(int64_t pid) { return ProcStatus(pid, "VmRSS:"); }

// Samples the resident memory of `pid` every 20 ms from construction to Stop (or destruction).
class RssSampler {
 public:
  explicit RssSampler(int64_t pid)
      : pid_(pid), peak_(RssKiB(pid)), thread_([this] {
          while (!done_) {
            peak_ = std::max<int64_t>(peak_, RssKiB(pid_));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
        }) {}
  ~RssSampler() { Stop(); }
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;
  void Stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t peak_kib() const { return peak_; }

 private:
  const int64_t pid_;
  std::atomic<bool> done_{false};
  std::atomic<int64_t> peak_;
  std::thread thread_;
};

}  // namespace datamesh::bench
