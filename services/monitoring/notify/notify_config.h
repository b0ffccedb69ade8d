// The notification config (`--notify-config`): an Alertmanager-like YAML subset.
//
//   global:   {external_url}
//   route:    {receiver, group_by, group_wait, group_interval, repeat_interval, matchers,
//              continue, routes: [child routes...]}
//   receivers: [{name, webhook_configs: [{url, hmac_secret_file | hmac_secret_env,
//                send_resolved, max_alerts, timeout}],
//                email_configs: [{smarthost, from, to, send_resolved}]}]
//   escalation: [{severity, renotify_interval, escalate_after, escalate_to}]
//   delivery: {queue_capacity, retry_deadline, initial_backoff, max_backoff}
//
// Children inherit group_by and the three intervals from their parent when they set none, as in
// Alertmanager. Unknown keys are refused (a typo never silently drops a receiver). HMAC secrets
// come from a file or an environment variable, never from the YAML itself, and are never logged.
//
// Immutable after parsing; thread-safe to read.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/monitoring/notify/matcher.h"
#include "shared/crypto/secret.h"

namespace datamesh::monitoring::notify {

struct WebhookConfig {
  std::string url;
  // Empty when unsigned; shared so that copies of the config do not copy the secret.
  std::shared_ptr<const crypto::SecretBytes> hmac_secret;
  bool send_resolved = true;
  // At most this many alerts per payload (the rest counted in truncatedAlerts); 0: all.
  int max_alerts = 0;
  absl::Duration timeout = absl::Seconds(10);
};

struct EmailConfig {
  std::string smarthost;  // host:port (plain SMTP; STARTTLS when the server offers it)
  std::string from;
  std::vector<std::string> to;
  bool send_resolved = false;
};

struct ReceiverConfig {
  std::string name;
  std::vector<WebhookConfig> webhooks;
  std::vector<EmailConfig> emails;
};

struct RouteConfig {
  std::string receiver;
  std::vector<std::string> group_by;  // sorted; ["..."] groups by every label
  absl::Duration group_wait = absl::Seconds(30);
  absl::Duration group_interval = absl::Minutes(5);
  absl::Duration repeat_interval = absl::Hours(4);
  std::vector<Matcher> matchers;
  bool continue_matching = false;
  std::vector<RouteConfig> routes;
};

struct EscalationConfig {
  std::string severity;
  // While an alert of this severity fires unacknowledged, its group is re-sent this often
  // (instead of the route's repeat_interval, when shorter). Zero: the route's.
  absl::Duration renotify_interval = absl::ZeroDuration();
  // After firing this long unacknowledged, the alert also goes to `escalate_to`. Zero: never.
  absl::Duration escalate_after = absl::ZeroDuration();
  std::string escalate_to;
};

struct DeliveryConfig {
  size_t queue_capacity = 256;  // per receiver; the oldest is dropped when full
  absl::Duration retry_deadline = absl::Minutes(5);
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(30);
};

struct NotifyConfig {
  std::string external_url;
  RouteConfig route;
  std::vector<ReceiverConfig> receivers;
  std::vector<EscalationConfig> escalations;
  DeliveryConfig delivery;

  const ReceiverConfig* FindReceiver(std::string_view name) const;
  const EscalationConfig* FindEscalation(std::string_view severity) const;
};

// Reads a secret: the contents of a file, or the value of an environment variable. Injected so
// tests need neither.
struct SecretSource {
  std::function<absl::StatusOr<std::string>(const std::string& path)> read_file;
  std::function<std::optional<std::string>(const std::string& name)> getenv;
};
SecretSource SystemSecretSource();

// The config with no external receivers (what the service runs without --notify-config).
NotifyConfig DefaultNotifyConfig();

// INVALID_ARGUMENT "<file>:<line>: <path>: <problem>" for YAML that does not parse, unknown keys,
// bad durations or matchers, receivers that are missing or named twice, a secret that cannot be
// read.
absl::StatusOr<NotifyConfig> ParseNotifyConfig(std::string_view yaml, std::string_view file,
                                               const SecretSource& secrets);
absl::StatusOr<NotifyConfig> LoadNotifyConfig(const std::string& path);

}  // namespace datamesh::monitoring::notify
