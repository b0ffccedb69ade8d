#include "services/gateway/upstream/upstreams.h"

#include "absl/strings/str_cat.h"

namespace datamesh::gateway {

Upstreams::Upstreams(std::vector<Upstream> upstreams, absl::Duration interval) {
  for (Upstream& u : upstreams) {
    auto client = std::make_unique<server::HealthClient>(u.address);
    entries_.push_back(Entry{std::move(u), std::move(client), false});
  }
  task_ = std::make_unique<server::PeriodicTask>(interval, [this] { CheckAll(); });
}

Upstreams::~Upstreams() { Stop(); }

void Upstreams::Stop() {
  if (task_) task_->Stop();
}

void Upstreams::CheckAll() {
  // entries_ never changes size after construction; only `serving` is shared.
  for (Entry& e : entries_) {
    bool serving = e.client->Check("", absl::Milliseconds(500)).ok();
    std::lock_guard<std::mutex> lock(mu_);
    e.serving = serving;
  }
}

absl::Status Upstreams::CriticalServing() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string down;
  for (const Entry& e : entries_) {
    if (e.upstream.critical && !e.serving)
      absl::StrAppend(&down, down.empty() ? "" : ", ", e.upstream.name);
  }
  if (down.empty()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("not serving: ", down));
}

std::map<std::string, bool> Upstreams::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, bool> out;
  for (const Entry& e : entries_) out[e.upstream.name] = e.serving;
  return out;
}

}  // namespace datamesh::gateway
