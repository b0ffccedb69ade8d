#include "services/monitoring/notify/notify_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/monitoring/rules/prom_duration.h"

namespace datamesh::monitoring::notify {
namespace {

// Errors carry the file, the node's line and the key path, so the operator finds the spot.
class Reader {
 public:
  Reader(const std::string& file, const SecretSource& secrets) : file_(file), secrets_(secrets) {}

  absl::Status Error(const YAML::Node& at, const std::string& path,
                     absl::string_view problem) const {
    const int line = at.IsDefined() ? at.Mark().line + 1 : 0;
    return absl::InvalidArgumentError(absl::StrCat(file_, ":", line, ": ", path, ": ", problem));
  }

  absl::Status OnlyKeys(const YAML::Node& map, const std::string& path,
                        std::initializer_list<std::string_view> keys) const {
    if (!map.IsMap()) return Error(map, path, "must be a mapping");
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        return Error(kv.first, path, absl::StrCat("unknown field \"", key, "\""));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> String(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) return Error(n, path, "must be a string");
    return n.as<std::string>();
  }

  absl::Status Bool(const YAML::Node& n, const std::string& path, bool* out) const {
    if (!n.IsDefined()) return absl::OkStatus();
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, *out)) {
      return Error(n, path, "must be true or false");
    }
    return absl::OkStatus();
  }

  absl::Status Duration(const YAML::Node& n, const std::string& path, absl::Duration* out,
                        bool allow_zero = false) const {
    if (!n.IsDefined()) return absl::OkStatus();
    if (!n.IsScalar()) return Error(n, path, "must be a duration such as 30s or 5m");
    absl::StatusOr<absl::Duration> d = rules::ParsePromDuration(n.as<std::string>());
    if (!d.ok()) return Error(n, path, d.status().message());
    if (*d < absl::ZeroDuration() || (!allow_zero && *d == absl::ZeroDuration())) {
      return Error(n, path, "must be positive");
    }
    *out = *d;
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& n,
                                                      const std::string& path) const {
    std::vector<std::string> out;
    if (!n.IsDefined()) return out;
    if (n.IsScalar()) return std::vector<std::string>{n.as<std::string>()};
    if (!n.IsSequence()) return Error(n, path, "must be a list of strings");
    for (const YAML::Node& item : n) {
      absl::StatusOr<std::string> s = String(item, path);
      if (!s.ok()) return s.status();
      out.push_back(*std::move(s));
    }
    return out;
  }

  absl::Status Route(const YAML::Node& n, const std::string& path, const RouteConfig* parent,
                     RouteConfig* out) const;
  absl::Status Receiver(const YAML::Node& n, const std::string& path, ReceiverConfig* out) const;
  absl::Status Webhook(const YAML::Node& n, const std::string& path, WebhookConfig* out) const;
  absl::Status Email(const YAML::Node& n, const std::string& path, EmailConfig* out) const;
  absl::Status Escalation(const YAML::Node& n, const std::string& path,
                          EscalationConfig* out) const;
  absl::Status Delivery(const YAML::Node& n, DeliveryConfig* out) const;

 private:
  const std::string file_;
  const SecretSource& secrets_;
};

absl::Status Reader::Route(const YAML::Node& n, const std::string& path, const RouteConfig* parent,
                           RouteConfig* out) const {
  if (absl::Status s = OnlyKeys(n, path,
                                {"receiver", "group_by", "group_wait", "group_interval",
                                 "repeat_interval", "matchers", "continue", "routes"});
      !s.ok()) {
    return s;
  }
  if (parent != nullptr) {
    out->receiver = parent->receiver;
    out->group_by = parent->group_by;
    out->group_wait = parent->group_wait;
    out->group_interval = parent->group_interval;
    out->repeat_interval = parent->repeat_interval;
  }
  if (n["receiver"]) {
    absl::StatusOr<std::string> r = String(n["receiver"], absl::StrCat(path, ".receiver"));
    if (!r.ok()) return r.status();
    out->receiver = *r;
  }
  if (out->receiver.empty()) return Error(n, path, "a receiver is required");
  if (n["group_by"]) {
    absl::StatusOr<std::vector<std::string>> g =
        StringList(n["group_by"], absl::StrCat(path, ".group_by"));
    if (!g.ok()) return g.status();
    std::sort(g->begin(), g->end());
    out->group_by = *std::move(g);
  }
  for (auto [key, field] : {std::pair{"group_wait", &out->group_wait},
                            std::pair{"group_interval", &out->group_interval},
                            std::pair{"repeat_interval", &out->repeat_interval}}) {
    if (absl::Status s = Duration(n[key], absl::StrCat(path, ".", key), field,
                                  /*allow_zero=*/std::string_view(key) == "group_wait");
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s =
          Bool(n["continue"], absl::StrCat(path, ".continue"), &out->continue_matching);
      !s.ok()) {
    return s;
  }
  if (parent == nullptr && (n["matchers"] || n["continue"])) {
    return Error(n, path, "the top-level route matches every alert: no matchers or continue");
  }
  absl::StatusOr<std::vector<std::string>> matchers =
      StringList(n["matchers"], absl::StrCat(path, ".matchers"));
  if (!matchers.ok()) return matchers.status();
  for (const std::string& text : *matchers) {
    absl::StatusOr<Matcher> m = Matcher::Parse(text);
    if (!m.ok()) return Error(n["matchers"], absl::StrCat(path, ".matchers"), m.status().message());
    out->matchers.push_back(*std::move(m));
  }
  const YAML::Node children = n["routes"];
  if (!children) return absl::OkStatus();
  if (!children.IsSequence())
    return Error(children, absl::StrCat(path, ".routes"), "must be a list");
  for (size_t i = 0; i < children.size(); ++i) {
    RouteConfig child;
    if (absl::Status s = Route(children[i], absl::StrCat(path, ".routes[", i, "]"), out, &child);
        !s.ok()) {
      return s;
    }
    out->routes.push_back(std::move(child));
  }
  return absl::OkStatus();
}

absl::Status Reader::Webhook(const YAML::Node& n, const std::string& path,
                             WebhookConfig* out) const {
  if (absl::Status s = OnlyKeys(
          n, path,
          {"url", "hmac_secret_file", "hmac_secret_env", "send_resolved", "max_alerts", "timeout"});
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> url = String(n["url"], absl::StrCat(path, ".url"));
  if (!url.ok()) return url.status();
  if (!url->starts_with("http://") && !url->starts_with("https://")) {
    return Error(n["url"], absl::StrCat(path, ".url"), "must be an http:// or https:// URL");
  }
  out->url = *url;
  if (n["hmac_secret_file"] && n["hmac_secret_env"]) {
    return Error(n, path, "give hmac_secret_file or hmac_secret_env, not both");
  }
  std::optional<std::string> secret;
  if (n["hmac_secret_file"]) {
    absl::StatusOr<std::string> file =
        String(n["hmac_secret_file"], absl::StrCat(path, ".hmac_secret_file"));
    if (!file.ok()) return file.status();
    absl::StatusOr<std::string> text = secrets_.read_file(*file);
    if (!text.ok()) {
      return Error(n["hmac_secret_file"], absl::StrCat(path, ".hmac_secret_file"),
                   absl::StrCat("cannot read ", *file, ": ", text.status().message()));
    }
    // A trailing newline from `echo secret > file` is not part of the secret.
    secret = std::string(absl::StripTrailingAsciiWhitespace(*text));
  } else if (n["hmac_secret_env"]) {
    absl::StatusOr<std::string> name =
        String(n["hmac_secret_env"], absl::StrCat(path, ".hmac_secret_env"));
    if (!name.ok()) return name.status();
    secret = secrets_.getenv(*name);
    if (!secret) {
      return Error(n["hmac_secret_env"], absl::StrCat(path, ".hmac_secret_env"),
                   absl::StrCat("environment variable ", *name, " is not set"));
    }
  }
  if (secret) {
    if (secret->empty()) return Error(n, path, "the HMAC secret is empty");
    out->hmac_secret =
        std::make_shared<const crypto::SecretBytes>(crypto::SecretBytes::CopyOf(*secret));
    std::fill(secret->begin(), secret->end(), '\0');
  }
  if (absl::Status s =
          Bool(n["send_resolved"], absl::StrCat(path, ".send_resolved"), &out->send_resolved);
      !s.ok()) {
    return s;
  }
  if (n["max_alerts"]) {
    if (!n["max_alerts"].IsScalar() ||
        !YAML::convert<int>::decode(n["max_alerts"], out->max_alerts) || out->max_alerts < 0) {
      return Error(n["max_alerts"], absl::StrCat(path, ".max_alerts"),
                   "must be a whole number, 0 or more");
    }
  }
  return Duration(n["timeout"], absl::StrCat(path, ".timeout"), &out->timeout);
}

absl::Status Reader::Email(const YAML::Node& n, const std::string& path, EmailConfig* out) const {
  if (absl::Status s = OnlyKeys(n, path, {"smarthost", "from", "to", "send_resolved"}); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> host = String(n["smarthost"], absl::StrCat(path, ".smarthost"));
  if (!host.ok()) return host.status();
  if (host->find(':') == std::string::npos) {
    return Error(n["smarthost"], absl::StrCat(path, ".smarthost"), "must be host:port");
  }
  out->smarthost = *host;
  absl::StatusOr<std::string> from = String(n["from"], absl::StrCat(path, ".from"));
  if (!from.ok()) return from.status();
  out->from = *from;
  absl::StatusOr<std::vector<std::string>> to = StringList(n["to"], absl::StrCat(path, ".to"));
  if (!to.ok()) return to.status();
  if (to->empty()) return Error(n, absl::StrCat(path, ".to"), "at least one address is required");
  for (const std::string& address : *to) {
    if (address.find('@') == std::string::npos ||
        address.find_first_of("\r\n<>") != std::string::npos) {
      return Error(n["to"], absl::StrCat(path, ".to"),
                   absl::StrCat("invalid address \"", address, "\""));
    }
  }
  if (out->from.find('@') == std::string::npos ||
      out->from.find_first_of("\r\n<>") != std::string::npos) {
    return Error(n["from"], absl::StrCat(path, ".from"), "invalid address");
  }
  out->to = *std::move(to);
  return Bool(n["send_resolved"], absl::StrCat(path, ".send_resolved"), &out->send_resolved);
}

absl::Status Reader::Receiver(const YAML::Node& n, const std::string& path,
                              ReceiverConfig* out) const {
  if (absl::Status s = OnlyKeys(n, path, {"name", "webhook_configs", "email_configs"}); !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> name = String(n["name"], absl::StrCat(path, ".name"));
  if (!name.ok()) return name.status();
  if (name->empty()) return Error(n, path, "a name is required");
  out->name = *name;
  for (const char* key : {"webhook_configs", "email_configs"}) {
    const YAML::Node list = n[key];
    if (!list) continue;
    if (!list.IsSequence()) return Error(list, absl::StrCat(path, ".", key), "must be a list");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string item_path = absl::StrCat(path, ".", key, "[", i, "]");
      if (std::string_view(key) == "webhook_configs") {
        WebhookConfig w;
        if (absl::Status s = Webhook(list[i], item_path, &w); !s.ok()) return s;
        out->webhooks.push_back(std::move(w));
      } else {
        EmailConfig e;
        if (absl::Status s = Email(list[i], item_path, &e); !s.ok()) return s;
        out->emails.push_back(std::move(e));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Reader::Escalation(const YAML::Node& n, const std::string& path,
                                EscalationConfig* out) const {
  if (absl::Status s =
          OnlyKeys(n, path, {"severity", "renotify_interval", "escalate_after", "escalate_to"});
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> severity = String(n["severity"], absl::StrCat(path, ".severity"));
  if (!severity.ok()) return severity.status();
  out->severity = *severity;
  if (absl::Status s = Duration(n["renotify_interval"], absl::StrCat(path, ".renotify_interval"),
                                &out->renotify_interval);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Duration(n["escalate_after"], absl::StrCat(path, ".escalate_after"),
                                &out->escalate_after);
      !s.ok()) {
    return s;
  }
  if (n["escalate_to"]) {
    absl::StatusOr<std::string> to = String(n["escalate_to"], absl::StrCat(path, ".escalate_to"));
    if (!to.ok()) return to.status();
    out->escalate_to = *to;
  }
  if ((out->escalate_after > absl::ZeroDuration()) != !out->escalate_to.empty()) {
    return Error(n, path, "escalate_after and escalate_to go together");
  }
  return absl::OkStatus();
}

absl::Status Reader::Delivery(const YAML::Node& n, DeliveryConfig* out) const {
  if (!n) return absl::OkStatus();
  if (absl::Status s = OnlyKeys(
          n, "delivery", {"queue_capacity", "retry_deadline", "initial_backoff", "max_backoff"});
      !s.ok()) {
    return s;
  }
  if (n["queue_capacity"]) {
    int capacity = 0;
    if (!n["queue_capacity"].IsScalar() ||
        !YAML::convert<int>::decode(n["queue_capacity"], capacity) || capacity < 1 ||
        capacity > 100'000) {
      return Error(n["queue_capacity"], "delivery.queue_capacity", "must be 1 to 100000");
    }
    out->queue_capacity = static_cast<size_t>(capacity);
  }
  if (absl::Status s =
          Duration(n["retry_deadline"], "delivery.retry_deadline", &out->retry_deadline);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          Duration(n["initial_backoff"], "delivery.initial_backoff", &out->initial_backoff);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Duration(n["max_backoff"], "delivery.max_backoff", &out->max_backoff);
      !s.ok()) {
    return s;
  }
  if (out->max_backoff < out->initial_backoff) {
    return Error(n, "delivery", "max_backoff must be at least initial_backoff");
  }
  return absl::OkStatus();
}

// Every receiver a route or an escalation names must exist.
absl::Status CheckReceivers(const Reader& reader, const YAML::Node& root, const RouteConfig& route,
                            const NotifyConfig& config, const std::string& path) {
  if (config.FindReceiver(route.receiver) == nullptr) {
    return reader.Error(root["route"], path,
                        absl::StrCat("receiver \"", route.receiver, "\" is not defined"));
  }
  for (size_t i = 0; i < route.routes.size(); ++i) {
    if (absl::Status s = CheckReceivers(reader, root, route.routes[i], config,
                                        absl::StrCat(path, ".routes[", i, "]"));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<NotifyConfig> Parse(const YAML::Node& root, const Reader& r) {
  NotifyConfig config;
  if (absl::Status s =
          r.OnlyKeys(root, "config", {"global", "route", "receivers", "escalation", "delivery"});
      !s.ok()) {
    return s;
  }
  if (const YAML::Node global = root["global"]) {
    if (absl::Status s = r.OnlyKeys(global, "global", {"external_url"}); !s.ok()) return s;
    if (global["external_url"]) {
      absl::StatusOr<std::string> url = r.String(global["external_url"], "global.external_url");
      if (!url.ok()) return url.status();
      config.external_url = *url;
    }
  }
  const YAML::Node receivers = root["receivers"];
  if (receivers) {
    if (!receivers.IsSequence()) return r.Error(receivers, "receivers", "must be a list");
    for (size_t i = 0; i < receivers.size(); ++i) {
      ReceiverConfig rc;
      if (absl::Status s = r.Receiver(receivers[i], absl::StrCat("receivers[", i, "]"), &rc);
          !s.ok()) {
        return s;
      }
      if (config.FindReceiver(rc.name) != nullptr) {
        return r.Error(receivers[i], absl::StrCat("receivers[", i, "]"),
                       absl::StrCat("receiver \"", rc.name, "\" is defined twice"));
      }
      config.receivers.push_back(std::move(rc));
    }
  }
  if (!root["route"]) return r.Error(root, "route", "the top-level route is required");
  if (absl::Status s = r.Route(root["route"], "route", nullptr, &config.route); !s.ok()) return s;
  if (absl::Status s = CheckReceivers(r, root, config.route, config, "route"); !s.ok()) return s;
  if (const YAML::Node esc = root["escalation"]) {
    if (!esc.IsSequence()) return r.Error(esc, "escalation", "must be a list");
    for (size_t i = 0; i < esc.size(); ++i) {
      EscalationConfig e;
      const std::string path = absl::StrCat("escalation[", i, "]");
      if (absl::Status s = r.Escalation(esc[i], path, &e); !s.ok()) return s;
      if (config.FindEscalation(e.severity) != nullptr) {
        return r.Error(esc[i], path, absl::StrCat("severity \"", e.severity, "\" is listed twice"));
      }
      if (!e.escalate_to.empty() && config.FindReceiver(e.escalate_to) == nullptr) {
        return r.Error(esc[i], path,
                       absl::StrCat("receiver \"", e.escalate_to, "\" is not defined"));
      }
      config.escalations.push_back(std::move(e));
    }
  }
  if (absl::Status s = r.Delivery(root["delivery"], &config.delivery); !s.ok()) return s;
  return config;
}

}  // namespace

const ReceiverConfig* NotifyConfig::FindReceiver(std::string_view name) const {
  for (const ReceiverConfig& r : receivers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const EscalationConfig* NotifyConfig::FindEscalation(std::string_view severity) const {
  for (const EscalationConfig& e : escalations) {
    if (e.severity == severity) return &e;
  }
  return nullptr;
}

SecretSource SystemSecretSource() {
  SecretSource s;
  s.read_file = [](const std::string& path) -> absl::StatusOr<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError("no such file or not readable");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  s.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  return s;
}

NotifyConfig DefaultNotifyConfig() {
  NotifyConfig c;
  c.route.receiver = "default";
  c.receivers.push_back({.name = "default"});
  return c;
}

absl::StatusOr<NotifyConfig> ParseNotifyConfig(std::string_view yaml, std::string_view file_in,
                                               const SecretSource& secrets) {
  const std::string file(file_in);
  Reader reader(file, secrets);
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    return Parse(root, reader);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(file, ":", e.mark.line + 1, ": ", e.msg));
  }
}

absl::StatusOr<NotifyConfig> LoadNotifyConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read the file"));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseNotifyConfig(text.str(), path, SystemSecretSource());
}

}  // namespace datamesh::monitoring::notify
