#include "shared/server/periodic_task.h"

#include <chrono>

namespace datamesh::server {

PeriodicTask::PeriodicTask(absl::Duration interval, std::function<void()> fn)
    : interval_(interval), fn_(std::move(fn)), thread_([this] { Loop(); }) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::TriggerNow() {
  std::lock_guard<std::mutex> lock(mu_);
  triggered_ = true;
  cv_.notify_all();
}

void PeriodicTask::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::Loop() {
  const auto interval = absl::ToChronoNanoseconds(interval_);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    triggered_ = false;
    lock.unlock();
    fn_();
    lock.lock();
    cv_.wait_for(lock, interval, [this] { return stop_ || triggered_; });
  }
}

}  // namespace datamesh::server
