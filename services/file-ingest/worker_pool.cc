#include "services/file-ingest/worker_pool.h"

#include <algorithm>

namespace datamesh::file_ingest {
namespace {

int Cores() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

int OrDefault(int value, int fallback) { return value > 0 ? value : fallback; }

std::mutex shared_mu;
TransferPoolSizes* shared_sizes = nullptr;  // set by ConfigureShared, read once by Shared
bool shared_created = false;

}  // namespace

WorkerPool::WorkerPool(std::string name, int threads, size_t max_queued)
    : name_(std::move(name)), max_queued_(std::max<size_t>(1, max_queued)) {
  threads = std::max(1, threads);
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  has_job_.notify_all();
  for (std::thread& t : threads_) t.join();
}

size_t WorkerPool::queued() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void WorkerPool::Enqueue(std::function<void()> job) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    has_room_.wait(lock, [&] { return queue_.size() < max_queued_; });
    queue_.push_back(std::move(job));
  }
  has_job_.notify_one();
}

void WorkerPool::Run() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      has_job_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // Queued jobs still run when stopping: their futures are waited on by someone.
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    has_room_.notify_one();
    job();  // a packaged_task: exceptions land in its future
  }
}

TransferPools::TransferPools(const TransferPoolSizes& sizes)
    : coding_("coding", OrDefault(sizes.coding_threads, Cores()),
              OrDefault(sizes.coding_threads, Cores())),
      segments_("segments", OrDefault(sizes.segment_threads, 4 * Cores()),
                OrDefault(sizes.segment_threads, 4 * Cores())),
      shard_io_("shard-io", OrDefault(sizes.shard_io_threads, 64),
                OrDefault(sizes.shard_io_threads, 64)) {}

bool TransferPools::ConfigureShared(const TransferPoolSizes& sizes) {
  std::lock_guard<std::mutex> lock(shared_mu);
  if (shared_created || shared_sizes != nullptr) return false;
  shared_sizes = new TransferPoolSizes(sizes);
  return true;
}

TransferPools& TransferPools::Shared() {
  static TransferPools* pools = [] {
    std::lock_guard<std::mutex> lock(shared_mu);
    shared_created = true;
    return new TransferPools(shared_sizes != nullptr ? *shared_sizes : TransferPoolSizes{});
  }();
  return *pools;
}

}  // namespace datamesh::file_ingest
