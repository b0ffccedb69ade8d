#include "services/quota/tier_catalog.h"

#include "shared/status/status.h"

namespace datamesh::quota {

absl::Status TierCatalog::RefreshIfStale() {
  // Real time on purpose: the cache's age has nothing to do with the service's (injectable)
  // business clock.
  const absl::Time now = absl::Now();
  if (now - fetched_at_ < ttl_) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<TierDef> tiers, store_.ListTiers());
  tiers_.clear();
  for (TierDef& t : tiers) tiers_[t.name] = std::move(t);
  fetched_at_ = now;
  return absl::OkStatus();
}

absl::StatusOr<TierDef> TierCatalog::Get(const std::string& name) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(RefreshIfStale());
  auto it = tiers_.find(name);
  if (it == tiers_.end()) return absl::NotFoundError("unknown tier " + name);
  return it->second;
}

absl::StatusOr<std::vector<TierDef>> TierCatalog::List() {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(RefreshIfStale());
  std::vector<TierDef> out;
  for (const auto& [name, t] : tiers_) out.push_back(t);
  return out;
}

absl::StatusOr<TierDef> TierCatalog::Put(const TierDef& tier, bool create,
                                         const std::string& actor) {
  absl::StatusOr<TierDef> stored = store_.PutTier(tier, create, actor);
  absl::MutexLock lock(&mu_);
  fetched_at_ = absl::InfinitePast();
  return stored;
}

}  // namespace datamesh::quota
