// WorkerPool: a fixed set of threads running jobs from a bounded FIFO queue. TransferPools:
// the pools every upload and download of the process shares, in place of a thread per
// segment and per shard.
//
// Submit() blocks while the queue is full, so a producer faster than the workers (many
// uploads at once) is held back instead of queueing unbounded work and the buffers that go
// with it: what a pool holds is at most `threads` running jobs plus `max_queued` waiting ones.
//
// Deadlock rule: a job may wait for jobs of another pool only in one direction. TransferPools
// orders them segments -> coding, shard_io: a segment job (placing, writing or reading one
// segment) waits for coding and shard I/O jobs; coding and shard I/O jobs never wait for any
// pool job. So every wait ends once the jobs below it run, whatever the queues hold.
//
// Thread-safe. The destructor runs every job already queued, then joins the threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace datamesh::file_ingest {

class WorkerPool {
 public:
  // `threads` >= 1 and `max_queued` >= 1 (smaller values count as 1).
  WorkerPool(std::string name, int threads, size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`, waiting while `max_queued` jobs are already waiting; its result (or
  // exception) arrives through the future.
  template <typename F>
  auto Submit(F job) -> std::future<std::invoke_result_t<F>> {
    using R = std::invoke_result_t<F>;
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(job));
    std::future<R> result = task->get_future();
    Enqueue([task] { (*task)(); });
    return result;
  }

  int threads() const { return static_cast<int>(threads_.size()); }
  size_t max_queued() const { return max_queued_; }
  // Jobs waiting for a thread now.
  size_t queued();
  const std::string& name() const { return name_; }

 private:
  void Enqueue(std::function<void()> job);
  void Run();

  const std::string name_;
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable has_job_;
  std::condition_variable has_room_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

struct TransferPoolSizes {
  // CPU work: compressing, sealing and erasure coding a segment, opening a read one. 0: one
  // thread per core.
  int coding_threads = 0;
  // Segments being written or read at once across every transfer (each job places or reads
  // one segment and waits for its shard I/O): with the queue of the same length, this bounds
  // the segment buffers the process holds. 0: four per core.
  int segment_threads = 0;
  // Shard reads and writes at once (blocking calls to chunk-stores). 0: 64.
  int shard_io_threads = 0;
};

// The process's pools (see the deadlock rule above). Each queue holds as many jobs as its
// pool has threads.
class TransferPools {
 public:
  explicit TransferPools(const TransferPoolSizes& sizes);

  // Sizes the process's pools; call once, before the first Shared(). Later calls (and calls
  // after Shared()) change nothing and return false.
  static bool ConfigureShared(const TransferPoolSizes& sizes);
  // The process's pools, created at the first call (with the default sizes unless
  // ConfigureShared came first). Never destroyed: jobs may still run at exit.
  static TransferPools& Shared();

  WorkerPool& coding() { return coding_; }
  WorkerPool& segments() { return segments_; }
  WorkerPool& shard_io() { return shard_io_; }

 private:
  WorkerPool coding_;
  WorkerPool segments_;
  WorkerPool shard_io_;
};

}  // namespace datamesh::file_ingest
