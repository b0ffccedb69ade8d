#include "services/gateway/s3/auth/signing_key_cache.h"

#include "absl/strings/str_cat.h"

namespace datamesh::gateway::s3 {
namespace {

std::string CacheKey(const std::string& access_key_id, const CredentialScope& scope) {
  return absl::StrCat(access_key_id, " ", scope.ToString());
}

}  // namespace

SigningKeyCache::SigningKeyCache(Options options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

std::optional<VerifiedKey> SigningKeyCache::Get(const std::string& access_key_id,
                                                const CredentialScope& scope) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(CacheKey(access_key_id, scope));
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= clock_()) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.key;
}

void SigningKeyCache::Put(const std::string& access_key_id, const CredentialScope& scope,
                          VerifiedKey key) {
  const absl::Time now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.size() >= options_.max_entries) MakeRoomLocked(now);
  entries_[CacheKey(access_key_id, scope)] =
      Entry{access_key_id, std::move(key), now + options_.ttl};
}

void SigningKeyCache::EraseAccessKey(const std::string& access_key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(entries_, [&](const auto& e) { return e.second.access_key_id == access_key_id; });
}

void SigningKeyCache::EraseUser(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(entries_, [&](const auto& e) { return e.second.key.caller.user_id == user_id; });
}

size_t SigningKeyCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void SigningKeyCache::MakeRoomLocked(absl::Time now) {
  std::erase_if(entries_, [&](const auto& e) { return e.second.expires <= now; });
  if (entries_.size() < options_.max_entries || entries_.empty()) return;
  auto oldest = entries_.begin();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.expires < oldest->second.expires) oldest = it;
  }
  entries_.erase(oldest);
}

}  // namespace datamesh::gateway::s3
