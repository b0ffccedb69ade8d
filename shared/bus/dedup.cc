#include "shared/bus/dedup.h"

#include <algorithm>

namespace datamesh::bus {

RecentIds::RecentIds(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

bool RecentIds::FirstTime(std::string_view id) {
  absl::MutexLock lock(&mu_);
  if (seen_.contains(id)) return false;
  if (order_.size() == capacity_) {
    // Erase the view before its string goes away.
    seen_.erase(std::string_view(order_.front()));
    order_.pop_front();
  }
  order_.emplace_back(id);
  seen_.insert(std::string_view(order_.back()));
  return true;
}

size_t RecentIds::size() const {
  absl::MutexLock lock(&mu_);
  return order_.size();
}

}  // namespace datamesh::bus
