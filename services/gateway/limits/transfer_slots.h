// TransferSlots: at most `per_user` uploads and downloads in flight per user at once, on this
// gateway instance. A transfer holds a handler thread and a stream to file-ingest for as long as
// its client keeps it going; without a per-user bound one account could hold every thread.
// Past the bound the new transfer is refused with 429 RATE_LIMITED and Retry-After before any
// byte moves (REST and public gRPC alike).
//
// Thread-safe. A Slot must not outlive its TransferSlots.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"

namespace datamesh::gateway {

class TransferSlots {
 public:
  // Frees its user's slot when destroyed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : owner_(other.owner_), user_(std::move(other.user_)) {
      other.owner_ = nullptr;
    }
    Slot& operator=(Slot&&) = delete;
    ~Slot();

   private:
    friend class TransferSlots;
    Slot(TransferSlots* owner, std::string user) : owner_(owner), user_(std::move(user)) {}
    TransferSlots* owner_;
    std::string user_;
  };

  // `per_user` 0 means unbounded.
  TransferSlots(int64_t per_user, int64_t retry_after_seconds)
      : per_user_(per_user), retry_after_seconds_(retry_after_seconds) {}

  // A slot for `user`, or RESOURCE_EXHAUSTED carrying 429 RATE_LIMITED and Retry-After.
  absl::StatusOr<Slot> Acquire(const std::string& user);

  int64_t in_flight() const;
  int64_t refused() const;

 private:
  void Release(const std::string& user);

  const int64_t per_user_;
  const int64_t retry_after_seconds_;
  mutable std::mutex mu_;
  std::map<std::string, int64_t> active_;
  int64_t in_flight_ = 0;
  int64_t refused_ = 0;
};

}  // namespace datamesh::gateway
