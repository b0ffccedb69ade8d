#include "services/monitoring/notify_rpc.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"

namespace datamesh::monitoring {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(t));
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMillis(TimeUtil::TimestampToMilliseconds(t));
}

absl::StatusOr<notify::MatchOp> OpOf(const std::string& text) {
  for (notify::MatchOp op : {notify::MatchOp::kEqual, notify::MatchOp::kNotEqual,
                             notify::MatchOp::kRegex, notify::MatchOp::kNotRegex}) {
    if (notify::MatchOpText(op) == text) return op;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("matcher op \"", text, "\" is not one of =, !=, =~, !~"));
}

void SilenceToProto(const notify::Silence& s, absl::Time now, v1::Silence* out) {
  out->set_id(s.id);
  for (const notify::Matcher& m : s.matchers) {
    v1::SilenceMatcher* pm = out->add_matchers();
    pm->set_name(m.name());
    pm->set_op(std::string(notify::MatchOpText(m.op())));
    pm->set_value(m.value());
  }
  *out->mutable_starts_at() = ToProto(s.starts_at);
  *out->mutable_ends_at() = ToProto(s.ends_at);
  out->set_created_by(s.created_by);
  out->set_comment(s.comment);
  *out->mutable_created_at() = ToProto(s.created_at);
  out->set_state(std::string(s.StateAt(now)));
}

void AckToProto(const notify::Ack& a, v1::AlertAcknowledgement* out) {
  out->set_by(a.by);
  *out->mutable_at() = ToProto(a.at);
  out->set_comment(a.comment);
}

}  // namespace

absl::StatusOr<v1::CreateSilenceResponse> CreateSilenceRpc(notify::Notifier& n,
                                                           const v1::CreateSilenceRequest& r) {
  const v1::Silence& in = r.silence();
  notify::Silence s;
  for (const v1::SilenceMatcher& pm : in.matchers()) {
    absl::StatusOr<notify::MatchOp> op = OpOf(pm.op());
    if (!op.ok()) return op.status();
    absl::StatusOr<notify::Matcher> m = notify::Matcher::Make(pm.name(), *op, pm.value());
    if (!m.ok()) return m.status();
    s.matchers.push_back(*std::move(m));
  }
  if (in.has_starts_at()) s.starts_at = FromProto(in.starts_at());
  if (!in.has_ends_at()) return absl::InvalidArgumentError("endsAt is required");
  s.ends_at = FromProto(in.ends_at());
  s.created_by = in.created_by();
  s.comment = in.comment();
  absl::StatusOr<notify::Silence> stored = n.CreateSilence(std::move(s));
  if (!stored.ok()) return stored.status();
  v1::CreateSilenceResponse out;
  SilenceToProto(*stored, absl::Now(), out.mutable_silence());
  return out;
}

absl::StatusOr<v1::ListSilencesResponse> ListSilencesRpc(notify::Notifier& n) {
  absl::StatusOr<std::vector<notify::Silence>> list = n.ListSilences();
  if (!list.ok()) return list.status();
  v1::ListSilencesResponse out;
  const absl::Time now = absl::Now();
  for (const notify::Silence& s : *list) SilenceToProto(s, now, out.add_silences());
  return out;
}

absl::Status ExpireSilenceRpc(notify::Notifier& n, const v1::ExpireSilenceRequest& r) {
  if (r.id().empty()) return absl::InvalidArgumentError("a silence id is required");
  return n.ExpireSilence(r.id());
}

absl::StatusOr<v1::AcknowledgeAlertResponse> AcknowledgeAlertRpc(
    notify::Notifier& n, const v1::AcknowledgeAlertRequest& r) {
  absl::StatusOr<notify::Ack> ack = n.Acknowledge(r.id(), r.by(), r.comment());
  if (!ack.ok()) return ack.status();
  v1::AcknowledgeAlertResponse out;
  out.set_alert_id(ack->alert_id);
  out.set_fingerprint(ack->fingerprint);
  AckToProto(*ack, out.mutable_acknowledgement());
  return out;
}

std::vector<alerts::Alert> HeldAlerts(const std::vector<alerts::GroupSnapshot>& groups) {
  std::vector<alerts::Alert> out;
  for (const alerts::GroupSnapshot& g : groups) {
    for (const alerts::RuleSnapshot& r : g.rules) {
      out.insert(out.end(), r.alerts.begin(), r.alerts.end());
    }
  }
  return out;
}

void AddAlertNotes(notify::Notifier& n, const std::vector<alerts::GroupSnapshot>& groups,
                   v1::ListAlertsResponse* response) {
  const std::map<std::string, notify::Notifier::AlertNotes> notes = n.Notes(HeldAlerts(groups));
  for (v1::Alert& a : *response->mutable_alerts()) {
    auto it = notes.find(a.id());
    if (it == notes.end()) continue;
    for (const std::string& id : it->second.silenced_by) a.add_silenced_by(id);
    if (it->second.ack) AckToProto(*it->second.ack, a.mutable_acknowledgement());
  }
}

}  // namespace datamesh::monitoring
