// Threads that run queued tasks in order of arrival, started on demand up to a bound. Used by
// HttpServer to run handlers, which may block on the network for as long as a request lasts.
//
// A task runs on an idle thread if there is one, else on a new thread while fewer than
// `max_threads` exist, else it waits in the queue. Threads beyond `min_threads` that stay idle
// for `idle_timeout` end, so a burst of transfers leaves no threads behind. An idle thread costs
// its stack's touched pages (tens of KiB), not the 8 MiB it may grow to.
//
// Thread safety: Post and the counters are thread-safe. The destructor (or Join) waits for
// queued and running tasks to finish; Post after Join is ignored.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace datamesh::gateway::http {

class WorkerPool {
 public:
  struct Options {
    size_t min_threads = 1;
    size_t max_threads = 16;
    std::chrono::milliseconds idle_timeout{30'000};
  };

  explicit WorkerPool(Options options);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Post(std::function<void()> task);
  // Runs what is queued, then stops the threads.
  void Join();

  // Threads that exist, tasks running and tasks waiting for a thread (for metrics).
  size_t threads() const;
  size_t busy() const;
  size_t queued() const;

 private:
  void Run(uint64_t id);
  void StartThreadLocked();
  // Joins threads that ended by idleness; their std::thread objects wait here until then.
  void ReapExited();

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  size_t idle_ = 0;
  size_t busy_ = 0;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::thread> threads_;
  std::vector<std::thread> exited_;
};

}  // namespace datamesh::gateway::http
