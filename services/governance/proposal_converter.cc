#include "services/governance/proposal_converter.h"

#include "google/protobuf/util/time_util.h"
#include "services/governance/proposals/proposal_events.h"

namespace datamesh::governance {
namespace {

google::protobuf::Timestamp Stamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

uint64_t Unsigned(int64_t v) { return v < 0 ? 0 : static_cast<uint64_t>(v); }

}  // namespace

absl::StatusOr<governance::v1::Proposal> ToProto(const proposals::ProposalRecord& p) {
  governance::v1::Proposal out;
  out.set_id(p.id);
  out.set_title(p.title);
  out.set_description(p.description);
  out.set_type(p.type);
  absl::StatusOr<google::protobuf::Struct> change = proposals::ChangeFromJson(p.change_json);
  if (!change.ok()) return change.status();
  *out.mutable_change() = *std::move(change);
  out.set_proposer(p.proposer);
  out.set_state(p.state);
  out.set_state_reason(p.state_reason);
  governance::v1::VoteTally* votes = out.mutable_votes();
  votes->set_yes(Unsigned(p.yes));
  votes->set_no(Unsigned(p.no));
  votes->set_abstain(Unsigned(p.abstain));
  votes->set_veto(Unsigned(p.veto));
  // The weight needed, rounded up: the tally compares turnout * 10^9 >= ppb * total exactly.
  const __int128 needed =
      (static_cast<__int128>(p.thresholds.quorum_ppb) * p.total_power + 999'999'999) /
      1'000'000'000;
  out.set_quorum(static_cast<uint64_t>(needed));
  out.set_threshold(static_cast<double>(p.thresholds.threshold_ppb) / 1e9);
  out.set_veto_threshold(static_cast<double>(p.thresholds.veto_ppb) / 1e9);
  out.set_total_power(Unsigned(p.total_power));
  out.set_deposit(Unsigned(p.deposit));
  *out.mutable_opens_at() = Stamp(p.opens_at);
  *out.mutable_closes_at() = Stamp(p.closes_at);
  if (p.executable_at) *out.mutable_executable_at() = Stamp(*p.executable_at);
  if (p.executed_at) *out.mutable_executed_at() = Stamp(*p.executed_at);
  for (const proposals::ExecutionRecord& e : p.execution) {
    governance::v1::ExecutionEntry* entry = out.add_execution();
    entry->set_service(e.service);
    entry->set_state(e.state);
    entry->set_reason(e.reason);
    *entry->mutable_time() = Stamp(e.time);
  }
  return out;
}

absl::StatusOr<governance::v1::Parameter> ToProto(const params::ParamSpec& spec,
                                                  const params::ParameterRow& row) {
  governance::v1::Parameter out;
  out.set_key(row.key);
  out.set_type(params::TypeName(spec.type));
  out.set_owner(spec.owner);
  absl::StatusOr<google::protobuf::Value> value = params::ValueFromJson(row.value_json);
  if (!value.ok()) return value.status();
  *out.mutable_value() = *std::move(value);
  if (spec.minimum) out.set_minimum(*spec.minimum);
  if (spec.maximum) out.set_maximum(*spec.maximum);
  for (const std::string& v : spec.allowed_values) out.add_allowed_values(v);
  out.set_description(spec.description);
  out.set_last_proposal_id(row.last_proposal_id);
  return out;
}

}  // namespace datamesh::governance
