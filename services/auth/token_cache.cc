#include "services/auth/token_cache.h"

#include <algorithm>

namespace datamesh::auth {

std::shared_ptr<const ValidatedCredential> TokenCache::Get(const std::string& token_hash,
                                                           absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(token_hash);
  if (it == entries_.end()) return nullptr;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return nullptr;
  }
  return it->second.credential;
}

void TokenCache::Put(const std::string& token_hash,
                     std::shared_ptr<const ValidatedCredential> credential, absl::Time now) {
  if (capacity_ == 0 || ttl_ <= absl::ZeroDuration()) return;
  absl::Time expires = now + ttl_;
  if (credential->expires_at) expires = std::min(expires, *credential->expires_at);
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= capacity_ && !entries_.contains(token_hash)) {
    absl::erase_if(entries_, [now](const auto& kv) { return kv.second.expires <= now; });
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_[token_hash] = Entry{std::move(credential), expires};
}

void TokenCache::Erase(const std::string& token_hash) {
  absl::MutexLock lock(&mu_);
  entries_.erase(token_hash);
}

void TokenCache::EraseUser(const std::string& user_id) {
  absl::MutexLock lock(&mu_);
  absl::erase_if(entries_,
                 [&](const auto& kv) { return kv.second.credential->user_id == user_id; });
}

size_t TokenCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace datamesh::auth
