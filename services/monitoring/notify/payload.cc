#include "services/monitoring/notify/payload.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hmac.h"

namespace datamesh::monitoring::notify {
namespace {

nlohmann::json LabelsJson(const promql::Labels& labels) {
  nlohmann::json o = nlohmann::json::object();
  for (const promql::Label& l : labels) o[l.name] = l.value;
  return o;
}

// The labels every alert has with the same value.
promql::Labels Common(const std::vector<NotifyAlert>& alerts, promql::Labels NotifyAlert::*field) {
  if (alerts.empty()) return {};
  promql::Labels out;
  for (const promql::Label& l : alerts.front().*field) {
    bool shared = true;
    for (const NotifyAlert& a : alerts) {
      if (promql::GetLabel(a.*field, l.name) != l.value) shared = false;
    }
    if (shared) out.push_back(l);
  }
  return out;
}

bool AnyFiring(const std::vector<NotifyAlert>& alerts) {
  for (const NotifyAlert& a : alerts) {
    if (!a.resolved) return true;
  }
  return false;
}

}  // namespace

std::string Rfc3339(absl::Time t) {
  if (t == absl::InfinitePast()) return "0001-01-01T00:00:00Z";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::vector<NotifyAlert> AlertsToSend(const Notification& n, bool send_resolved) {
  std::vector<NotifyAlert> out;
  for (const NotifyAlert& a : n.alerts) {
    if (!a.resolved || send_resolved) out.push_back(a);
  }
  return out;
}

std::optional<std::string> WebhookBody(const Notification& n, const PayloadOptions& options) {
  std::vector<NotifyAlert> alerts = AlertsToSend(n, options.send_resolved);
  if (alerts.empty()) return std::nullopt;
  const std::string status = AnyFiring(alerts) ? "firing" : "resolved";
  // Common labels are those of every alert, before truncation.
  const promql::Labels common_labels = Common(alerts, &NotifyAlert::labels);
  const promql::Labels common_annotations = Common(alerts, &NotifyAlert::annotations);
  size_t truncated = 0;
  if (options.max_alerts > 0 && alerts.size() > static_cast<size_t>(options.max_alerts)) {
    truncated = alerts.size() - options.max_alerts;
    alerts.resize(options.max_alerts);
  }
  nlohmann::json list = nlohmann::json::array();
  for (const NotifyAlert& a : alerts) {
    list.push_back({{"status", a.resolved ? "resolved" : "firing"},
                    {"labels", LabelsJson(a.labels)},
                    {"annotations", LabelsJson(a.annotations)},
                    {"startsAt", Rfc3339(a.starts_at)},
                    {"endsAt", Rfc3339(a.resolved ? a.ends_at : absl::InfinitePast())},
                    {"generatorURL", absl::StrCat(options.external_url, "/alerts")},
                    {"fingerprint", a.fingerprint},
                    {"alertId", a.id},
                    {"acknowledged", a.acknowledged}});
  }
  const nlohmann::json body = {{"version", "4"},
                               {"groupKey", n.group_key},
                               {"truncatedAlerts", truncated},
                               {"status", status},
                               {"receiver", n.receiver},
                               {"groupLabels", LabelsJson(n.group_labels)},
                               {"commonLabels", LabelsJson(common_labels)},
                               {"commonAnnotations", LabelsJson(common_annotations)},
                               {"externalURL", options.external_url},
                               {"alerts", std::move(list)}};
  return DumpJson(body);
}

absl::StatusOr<std::string> SignBody(std::string_view secret, int64_t unix_seconds,
                                     std::string_view body) {
  const std::string signed_text =
      absl::StrCat(unix_seconds, ".", absl::string_view(body.data(), body.size()));
  absl::StatusOr<crypto::Sha256Digest> mac = crypto::HmacSha256(secret, signed_text);
  if (!mac.ok()) return mac.status();
  return absl::StrCat("sha256=", crypto::HexEncode(crypto::AsStringView(*mac)));
}

std::optional<EmailMessage> EmailText(const Notification& n, const PayloadOptions& options) {
  const std::vector<NotifyAlert> alerts = AlertsToSend(n, options.send_resolved);
  if (alerts.empty()) return std::nullopt;
  size_t firing = 0;
  for (const NotifyAlert& a : alerts) firing += a.resolved ? 0 : 1;
  EmailMessage m;
  std::string group;
  for (const promql::Label& l : n.group_labels) absl::StrAppend(&group, " ", l.name, "=", l.value);
  m.subject =
      firing > 0 ? absl::StrCat("[FIRING:", firing, "]", group) : absl::StrCat("[RESOLVED]", group);
  for (const NotifyAlert& a : alerts) {
    absl::StrAppend(&m.body, a.resolved ? "RESOLVED" : "FIRING", " since ", Rfc3339(a.starts_at),
                    a.resolved ? absl::StrCat(", resolved ", Rfc3339(a.ends_at)) : "",
                    a.acknowledged ? " (acknowledged)" : "", "\n");
    for (const promql::Label& l : a.labels)
      absl::StrAppend(&m.body, "  ", l.name, " = ", l.value, "\n");
    for (const promql::Label& l : a.annotations) {
      absl::StrAppend(&m.body, "  ", l.name, ": ", l.value, "\n");
    }
    absl::StrAppend(&m.body, "  alert id: ", a.id, "  fingerprint: ", a.fingerprint, "\n\n");
  }
  if (!options.external_url.empty()) {
    absl::StrAppend(&m.body, "Alerts: ", options.external_url, "/alerts\n");
  }
  return m;
}

std::string DumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace datamesh::monitoring::notify
