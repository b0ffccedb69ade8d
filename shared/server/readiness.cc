#include "shared/server/readiness.h"

namespace datamesh::server {

Readiness::Readiness(prometheus::Registry& registry, std::string service_name)
    : up_family_(prometheus::BuildGauge()
                     .Name("datamesh_dependency_up")
                     .Help("1 when the named dependency check passed at the last evaluation")
                     .Register(registry)),
      service_name_(std::move(service_name)) {}

void Readiness::Add(std::string name, Check check) {
  std::lock_guard<std::mutex> lock(mu_);
  prometheus::Gauge* up = &up_family_.Add({{"service", service_name_}, {"dependency", name}});
  entries_.push_back(
      Entry{std::move(name), std::move(check), absl::UnavailableError("not yet checked"), up});
}

bool Readiness::Evaluate() {
  // Checks run outside the lock: they may block on the network for their timeout.
  std::vector<std::pair<size_t, Check>> checks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < entries_.size(); ++i) checks.emplace_back(i, entries_[i].check);
  }
  std::vector<absl::Status> results;
  results.reserve(checks.size());
  for (auto& [index, check] : checks) results.push_back(check());

  std::lock_guard<std::mutex> lock(mu_);
  bool all_ok = true;
  for (size_t i = 0; i < checks.size(); ++i) {
    Entry& e = entries_[checks[i].first];
    e.last = results[i];
    e.up->Set(results[i].ok() ? 1 : 0);
    all_ok = all_ok && results[i].ok();
  }
  ready_ = all_ok;
  return all_ok;
}

bool Readiness::ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ready_;
}

std::vector<std::pair<std::string, absl::Status>> Readiness::Results() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, absl::Status>> out;
  for (const Entry& e : entries_) out.emplace_back(e.name, e.last);
  return out;
}

}  // namespace datamesh::server
