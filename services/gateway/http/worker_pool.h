// A fixed set of threads that run queued tasks in order of arrival. Used by HttpServer to run
// handlers, which may block on the network for as long as a request lasts.
//
// Thread safety: Post is thread-safe. The destructor (or Join) waits for queued and running
// tasks to finish; Post after Join is ignored.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace datamesh::gateway::http {

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Post(std::function<void()> task);
  // Runs what is queued, then stops the threads.
  void Join();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace datamesh::gateway::http
