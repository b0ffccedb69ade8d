#include "services/gateway/http/worker_pool.h"

#include <algorithm>

namespace datamesh::gateway::http {

WorkerPool::WorkerPool(Options options) : options_(options) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t start = std::min(std::max<size_t>(options_.min_threads, 1),
                                std::max<size_t>(options_.max_threads, 1));
  for (size_t i = 0; i < start; ++i) StartThreadLocked();
}

WorkerPool::~WorkerPool() { Join(); }

void WorkerPool::StartThreadLocked() {
  const uint64_t id = next_id_++;
  ++idle_;  // counted idle from the start, so a burst of Posts does not start a thread each
  threads_.emplace(id, std::thread([this, id] { Run(id); }));
}

void WorkerPool::Post(std::function<void()> task) {
  ReapExited();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    queue_.push_back(std::move(task));
    // Every idle thread already has a queued task coming its way: start one more if allowed.
    if (queue_.size() > idle_ && threads_.size() < std::max<size_t>(options_.max_threads, 1)) {
      StartThreadLocked();
    }
  }
  cv_.notify_one();
}

void WorkerPool::ReapExited() {
  std::vector<std::thread> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done.swap(exited_);
  }
  for (auto& t : done) t.join();
}

void WorkerPool::Join() {
  std::map<uint64_t, std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // Threads leave the map only while not stopping, so after this the map is final.
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (auto& [id, t] : threads) {
    if (t.joinable()) t.join();
  }
  ReapExited();
}

void WorkerPool::Run(uint64_t id) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    const bool woke =
        cv_.wait_for(lock, options_.idle_timeout, [this] { return stopping_ || !queue_.empty(); });
    if (!woke) {
      if (threads_.size() > options_.min_threads) {
        // Idle too long: end, handing this thread's object to whoever reaps next.
        --idle_;
        auto self = threads_.find(id);
        exited_.push_back(std::move(self->second));
        threads_.erase(self);
        return;
      }
      continue;
    }
    if (queue_.empty()) {  // stopping, nothing left to run
      --idle_;
      return;
    }
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    --idle_;
    ++busy_;
    lock.unlock();
    task();
    task = nullptr;  // destroy captures outside the lock
    lock.lock();
    --busy_;
    ++idle_;
  }
}

size_t WorkerPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return threads_.size();
}

size_t WorkerPool::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return busy_;
}

size_t WorkerPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace datamesh::gateway::http
