#include "services/gateway/identity/token_cache.h"

namespace datamesh::gateway {

TokenCache::TokenCache(Options options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

std::optional<Caller> TokenCache::Get(const std::string& token_hash) {
  const absl::Time now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(token_hash);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.caller;
}

void TokenCache::Put(const std::string& token_hash, Caller caller) {
  if (options_.max_entries == 0) return;
  const absl::Time now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  if (!entries_.contains(token_hash)) MakeRoomLocked(now);
  entries_[token_hash] = Entry{std::move(caller), now + options_.ttl};
}

void TokenCache::Erase(const std::string& token_hash) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(token_hash);
}

void TokenCache::EraseUser(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.caller.user_id == user_id; });
}

size_t TokenCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void TokenCache::MakeRoomLocked(absl::Time now) {
  if (entries_.size() < options_.max_entries) return;
  std::erase_if(entries_, [now](const auto& kv) { return kv.second.expires <= now; });
  if (entries_.size() < options_.max_entries) return;
  // Every entry has the same ttl, so the one closest to expiry is the oldest.
  auto oldest = entries_.begin();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.expires < oldest->second.expires) oldest = it;
  }
  entries_.erase(oldest);
}

}  // namespace datamesh::gateway
