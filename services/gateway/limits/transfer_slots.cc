#include "services/gateway/limits/transfer_slots.h"

#include "absl/strings/str_cat.h"
#include "services/gateway/upstream/rpc_status.h"

namespace datamesh::gateway {

TransferSlots::Slot::~Slot() {
  if (owner_ != nullptr) owner_->Release(user_);
}

absl::StatusOr<TransferSlots::Slot> TransferSlots::Acquire(const std::string& user) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t& n = active_[user];
  if (per_user_ > 0 && n >= per_user_) {
    if (n == 0) active_.erase(user);
    ++refused_;
    return RateLimited(absl::StrCat("too many transfers in progress for this account (at most ",
                                    per_user_, " at once); retry when one has finished"),
                       static_cast<uint32_t>(retry_after_seconds_));
  }
  ++n;
  ++in_flight_;
  return Slot(this, user);
}

void TransferSlots::Release(const std::string& user) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = active_.find(user);
  if (it == active_.end()) return;
  --in_flight_;
  if (--it->second <= 0) active_.erase(it);
}

int64_t TransferSlots::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

int64_t TransferSlots::refused() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refused_;
}

}  // namespace datamesh::gateway
