// TierCatalog: the tiers read from QuotaStore, cached for a few seconds so the hot paths
// (CheckApiCall, CheckBandwidth) do not query PostgreSQL for every call. A change made through
// this instance (Put) is seen at once; a change made by another replica within `ttl`.
//
// Thread-safe. The store must outlive the catalog.
#pragma once

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/quota/quota_store.h"

namespace datamesh::quota {

class TierCatalog {
 public:
  explicit TierCatalog(QuotaStore& store, absl::Duration ttl = absl::Seconds(5))
      : store_(store), ttl_(ttl) {}

  // NOT_FOUND for an unknown tier.
  absl::StatusOr<TierDef> Get(const std::string& name);
  absl::StatusOr<std::vector<TierDef>> List();
  // Stores the tier (see QuotaStore::PutTier) and drops the cache.
  absl::StatusOr<TierDef> Put(const TierDef& tier, bool create, const std::string& actor);

 private:
  absl::Status RefreshIfStale() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  QuotaStore& store_;
  const absl::Duration ttl_;
  absl::Mutex mu_;
  std::map<std::string, TierDef> tiers_ ABSL_GUARDED_BY(mu_);
  absl::Time fetched_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace datamesh::quota
