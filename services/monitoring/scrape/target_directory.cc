#include "services/monitoring/scrape/target_directory.h"

namespace datamesh::monitoring::scrape {

bool TargetDirectory::OnHeartbeat(const events::v1::ServiceHeartbeat& beat, absl::Time now) {
  if (beat.service().empty() || beat.instance_id().empty() || beat.metrics_address().empty()) {
    return false;
  }
  Target target{beat.service(), beat.instance_id(), beat.metrics_address()};
  absl::MutexLock lock(&mu_);
  Entry& e = entries_[target.key()];
  // A heartbeat delayed in transit never moves last_seen back.
  if (now < e.last_seen) return true;
  // An instance restarted on another port keeps its key and is scraped at the new address.
  e.target = std::move(target);
  e.serving = beat.serving();
  e.last_seen = now;
  return true;
}

std::vector<Target> TargetDirectory::Expire(absl::Time now) {
  std::vector<Target> dropped;
  absl::MutexLock lock(&mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now - it->second.last_seen > expiry_) {
      dropped.push_back(std::move(it->second.target));
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

std::vector<Target> TargetDirectory::Targets() const {
  std::vector<Target> out;
  absl::MutexLock lock(&mu_);
  out.reserve(entries_.size());
  for (const auto& [key, e] : entries_) out.push_back(e.target);
  return out;
}

std::vector<std::string> TargetDirectory::LiveReplicas(absl::Time now) const {
  std::vector<std::string> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [key, e] : entries_) {
    if (e.target.service == replica_service_ && e.serving && now - e.last_seen <= expiry_) {
      out.push_back(e.target.instance_id);
    }
  }
  return out;  // std::map order by "service/instance": instance ids ascending
}

}  // namespace datamesh::monitoring::scrape
