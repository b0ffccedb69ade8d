#include "services/governance/audits/node_standing.h"

#include "services/governance/audits/uptime_windows.h"
#include "services/governance/operators/node_proof.h"
#include "services/governance/params/parameters.h"
#include "shared/status/status.h"

namespace datamesh::governance::audits {
namespace {

void SetTime(int64_t micros, google::protobuf::Timestamp* out) {
  out->set_seconds(micros / 1'000'000);
  out->set_nanos(static_cast<int32_t>(micros % 1'000'000) * 1000);
}

}  // namespace

absl::StatusOr<governance::v1::NodeReputation> ReadNodeStanding(pqxx::work& tx,
                                                                const std::string& node_id,
                                                                absl::Time now) {
  RETURN_IF_ERROR(operators::ValidateNodeId(node_id));
  governance::v1::NodeReputation out;
  out.set_node_id(node_id);
  ASSIGN_OR_RETURN(int64_t required, params::IntParam(tx, "vetting.auditsRequired"));
  ASSIGN_OR_RETURN(double below, params::RealParam(tx, "audit.disqualifyBelow"));
  out.set_vetting_audits_required(static_cast<uint64_t>(required));
  out.set_disqualify_below(below);
  pqxx::result op = tx.exec_params(
      "SELECT operator_id FROM governance.operator_nodes WHERE node_id = $1", node_id);
  if (!op.empty()) out.set_operator_id(op[0][0].as<std::string>());
  pqxx::result r = tx.exec_params(
      "SELECT alpha, beta, score, audits_total, audits_success, audits_failed, audits_offline, "
      "(EXTRACT(EPOCH FROM vetted_at) * 1e6)::bigint, "
      "(EXTRACT(EPOCH FROM disqualified_at) * 1e6)::bigint "
      "FROM governance.node_reputation WHERE node_id = $1",
      node_id);
  if (r.empty()) {
    out.set_score(1);  // where a new node starts (reputation.h)
  } else {
    const pqxx::row& row = r[0];
    out.set_audited(true);
    out.set_alpha(row[0].as<double>());
    out.set_beta(row[1].as<double>());
    out.set_score(row[2].as<double>());
    out.set_audits_total(row[3].as<uint64_t>());
    out.set_audits_success(row[4].as<uint64_t>());
    out.set_audits_failed(row[5].as<uint64_t>());
    out.set_audits_offline(row[6].as<uint64_t>());
    if (!row[7].is_null()) SetTime(row[7].as<int64_t>(), out.mutable_vetted_at());
    if (!row[8].is_null()) SetTime(row[8].as<int64_t>(), out.mutable_disqualified_at());
  }
  const UptimeWindows::Windows windows = UptimeWindows::Count(tx, node_id, now);
  out.set_uptime_windows_up(static_cast<uint64_t>(windows.up));
  out.set_uptime_windows_total(static_cast<uint64_t>(windows.total));
  out.set_uptime(UptimeWindows::Uptime(tx, node_id, now));
  out.set_uptime_window_seconds(static_cast<uint32_t>(absl::ToInt64Seconds(kUptimeWindow)));
  if (r.empty() && op.empty() && windows.up == 0) {
    return absl::NotFoundError("no such storage node: never audited, heard or claimed");
  }
  return out;
}

}  // namespace datamesh::governance::audits
