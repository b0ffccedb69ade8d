#include "services/governance/epochs/node_usage_recorder.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/pg/pool.h"
#include "shared/status/status.h"

namespace datamesh::governance::epochs {
namespace {

bool IsNodeId(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string U128ToString(unsigned __int128 v) {
  if (v == 0) return "0";
  std::string s;
  for (; v > 0; v /= 10) s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
  return s;
}

// A PostgreSQL array literal of values that need no quoting (hex ids, numbers).
std::string ArrayLiteral(const std::vector<std::string>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

}  // namespace

void NodeUsageRecorder::OnHeartbeat(const std::string& node_id, uint64_t used_bytes,
                                    absl::Time at) {
  if (!IsNodeId(node_id)) return;
  absl::MutexLock lock(&mu_);
  NodeState& n = nodes_[node_id];
  const absl::Duration gap = at - n.last_seen;
  if (gap > absl::ZeroDuration() && gap <= options_.max_gap) {
    // The bytes reported by the previous beat held until this one.
    const int64_t micros = absl::ToInt64Microseconds(gap);
    n.up_micros += micros;
    n.byte_seconds += static_cast<unsigned __int128>(n.last_used_bytes) * micros / 1'000'000;
  }
  if (at > n.last_seen) {
    n.last_seen = at;
    n.last_used_bytes = used_bytes;
  }
}

absl::Status NodeUsageRecorder::Flush(pg::Pool& pg) {
  struct Delta {
    std::string node_id;
    int64_t up_micros;
    unsigned __int128 byte_seconds;
  };
  std::vector<Delta> deltas;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, n] : nodes_) {
      if (n.up_micros != 0 || n.byte_seconds != 0) {
        deltas.push_back({id, n.up_micros, n.byte_seconds});
      }
    }
  }
  if (deltas.empty()) return absl::OkStatus();
  std::vector<std::string> ids, ups, bytes;
  for (const Delta& d : deltas) {
    ids.push_back(d.node_id);
    ups.push_back(absl::StrCat(d.up_micros));
    bytes.push_back(U128ToString(d.byte_seconds));
  }
  RETURN_IF_ERROR(pg.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params0(
        "INSERT INTO governance.node_epoch_usage "
        "  (epoch, node_id, instance_id, up_seconds, byte_seconds) "
        "SELECT e.number, u.node_id, $1, u.up_us / 1e6, u.bs "
        "FROM governance.epochs e, "
        "     unnest($2::text[], $3::bigint[], $4::numeric[]) AS u(node_id, up_us, bs) "
        "WHERE e.state = 'open' "
        "ON CONFLICT (epoch, node_id, instance_id) DO UPDATE SET "
        "  up_seconds = node_epoch_usage.up_seconds + EXCLUDED.up_seconds, "
        "  byte_seconds = node_epoch_usage.byte_seconds + EXCLUDED.byte_seconds",
        options_.instance_id, ArrayLiteral(ids), ArrayLiteral(ups), ArrayLiteral(bytes));
    return absl::OkStatus();
  }));
  // Only what was written is subtracted: heartbeats heard meanwhile stay for the next flush
  // (both figures only grow between the copy and here, so nothing wraps).
  absl::MutexLock lock(&mu_);
  for (const Delta& d : deltas) {
    NodeState& n = nodes_[d.node_id];
    n.up_micros -= d.up_micros;
    n.byte_seconds -= d.byte_seconds;
  }
  return absl::OkStatus();
}

}  // namespace datamesh::governance::epochs
