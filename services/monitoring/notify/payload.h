// What receivers are sent: the webhook body in Alertmanager's version "4" JSON, its HMAC
// signature, and the plain-text email. Pure functions; thread-safe.
//
// Webhook body (Alertmanager's fields, so existing receivers read it unchanged):
//   {"version":"4","groupKey","truncatedAlerts","status":"firing"|"resolved","receiver",
//    "groupLabels","commonLabels","commonAnnotations","externalURL",
//    "alerts":[{"status","labels","annotations","startsAt","endsAt","generatorURL",
//               "fingerprint","alertId","acknowledged"}]}
// `annotations` carry every annotation the rule set (summary, description, remediation, and an
// `explanation` when one is present). `endsAt` is "0001-01-01T00:00:00Z" while firing.
//
// Signature: with a secret configured, the request carries
//   X-DataMesh-Timestamp: <Unix seconds>
//   X-DataMesh-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
// The timestamp is inside the MAC so a receiver can refuse replays of an old request: it
// recomputes the MAC over the timestamp header, a dot and the raw body, compares in constant
// time, and refuses a timestamp far from its clock (5 minutes, say).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/notify/dispatcher.h"

namespace datamesh::monitoring::notify {

inline constexpr char kSignatureHeader[] = "X-DataMesh-Signature";
inline constexpr char kTimestampHeader[] = "X-DataMesh-Timestamp";

struct PayloadOptions {
  std::string external_url;
  int max_alerts = 0;  // 0: all
  bool send_resolved = true;
};

// The alerts of `n` this receiver is sent: without the resolved ones unless send_resolved.
// Empty when there is nothing to say.
std::vector<NotifyAlert> AlertsToSend(const Notification& n, bool send_resolved);

// The JSON body; nullopt when AlertsToSend is empty.
std::optional<std::string> WebhookBody(const Notification& n, const PayloadOptions& options);

// "sha256=<hex>" over "<unix_seconds>.<body>". INTERNAL only if OpenSSL fails.
absl::StatusOr<std::string> SignBody(std::string_view secret, int64_t unix_seconds,
                                     std::string_view body);

// The email's subject and plain-text body; nullopt when AlertsToSend is empty.
struct EmailMessage {
  std::string subject;
  std::string body;
};
std::optional<EmailMessage> EmailText(const Notification& n, const PayloadOptions& options);

// RFC 3339 in UTC with milliseconds; Go's zero time for InfinitePast.
std::string Rfc3339(absl::Time t);

// `j` as compact JSON; text that is not UTF-8 is replaced, never thrown on.
std::string DumpJson(const nlohmann::json& j);

}  // namespace datamesh::monitoring::notify
