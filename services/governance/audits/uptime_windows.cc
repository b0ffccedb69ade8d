#include "services/governance/audits/uptime_windows.h"

#include <cmath>

#include "services/governance/operators/node_proof.h"
#include "shared/log/log.h"

namespace datamesh::governance::audits {
namespace {

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

}  // namespace

absl::Time WindowStart(absl::Time at) {
  const int64_t w = absl::ToInt64Microseconds(kUptimeWindow);
  int64_t us = Micros(at);
  us -= ((us % w) + w) % w;
  return absl::FromUnixMicros(us);
}

void UptimeWindows::OnHeartbeat(const std::string& node_id, absl::Time at) {
  if (!operators::IsLowerHex(node_id, 64)) return;
  const absl::Time window = WindowStart(at);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = recorded_.find(node_id);
    if (it != recorded_.end() && it->second == window) return;
  }
  absl::Status s = pool_.Transact([&](pqxx::work& tx) {
    tx.exec_params0(
        "INSERT INTO governance.node_uptime_windows (node_id, window_start) "
        "VALUES ($1, to_timestamp($2::double precision / 1e6)) ON CONFLICT DO NOTHING",
        node_id, Micros(window));
    return absl::OkStatus();
  });
  if (!s.ok()) {
    log::Warn("recording an uptime window failed", {{"node", node_id}, {"error", s.ToString()}});
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  recorded_[node_id] = window;
}

absl::StatusOr<int64_t> UptimeWindows::Prune(absl::Time now) {
  int64_t n = 0;
  absl::Status s = pool_.Transact([&](pqxx::work& tx) {
    n = tx.exec_params0(
              "DELETE FROM governance.node_uptime_windows "
              "WHERE window_start < to_timestamp($1::double precision / 1e6)",
              Micros(now - kUptimeHorizon))
            .affected_rows();
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return n;
}

double UptimeWindows::Uptime(pqxx::work& tx, const std::string& node_id, absl::Time now) {
  const Windows w = Count(tx, node_id, now);
  if (w.up == 0) return 0;
  return std::min(1.0,
                  static_cast<double>(w.up) / static_cast<double>(std::max<int64_t>(w.total, 1)));
}

UptimeWindows::Windows UptimeWindows::Count(pqxx::work& tx, const std::string& node_id,
                                            absl::Time now) {
  const absl::Time since = WindowStart(now - kUptimeHorizon);
  pqxx::row r = tx.exec_params1(
      "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM min(window_start)) * 1e6, 0)::bigint "
      "FROM governance.node_uptime_windows WHERE node_id = $1 "
      "AND window_start >= to_timestamp($2::double precision / 1e6)",
      node_id, Micros(since));
  const int64_t up = r[0].as<int64_t>();
  if (up == 0) return {};
  const absl::Time first = absl::FromUnixMicros(r[1].as<int64_t>());
  return {up, (WindowStart(now) - first) / kUptimeWindow + 1};
}

}  // namespace datamesh::governance::audits
