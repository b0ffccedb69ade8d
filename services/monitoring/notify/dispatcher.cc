#include "services/monitoring/notify/dispatcher.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace datamesh::monitoring::notify {
namespace {

// `{a="1",b="2"}`: the group part of a group key, as Alertmanager prints it.
std::string LabelSetText(const promql::Labels& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ",", labels[i].name, "=",
                    nlohmann::json(labels[i].value)
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return out + "}";
}

promql::Labels GroupLabels(const RouteConfig& route, const promql::Labels& labels) {
  if (route.group_by.size() == 1 && route.group_by[0] == "...") return labels;
  promql::Labels out;
  for (const std::string& name : route.group_by) {
    const std::string_view v = promql::GetLabel(labels, name);
    if (!v.empty()) out.push_back({name, std::string(v)});
  }
  return out;  // group_by is sorted, so these are too
}

bool IsSubset(const std::set<std::string>& inner, const std::set<std::string>& outer) {
  return std::includes(outer.begin(), outer.end(), inner.begin(), inner.end());
}

}  // namespace

std::string Fingerprint(const promql::Labels& labels) {
  uint64_t h = 14695981039346656037ULL;
  auto add = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  for (const promql::Label& l : labels) {
    add(l.name);
    add(l.value);
  }
  return absl::StrFormat("%016x", h);
}

std::string Dispatcher::LogKey(const std::string& receiver, const std::string& group_key) {
  return absl::StrCat(receiver, "/", group_key);
}

Dispatcher::Route Dispatcher::Build(const RouteConfig& config, std::string id) {
  Route r{&config, id, {}};
  for (size_t i = 0; i < config.routes.size(); ++i) {
    r.children.push_back(Build(config.routes[i], absl::StrCat(id, ".routes[", i, "]")));
  }
  return r;
}

Dispatcher::Dispatcher(const NotifyConfig& config)
    : config_(config), root_(Build(config.route, "route")) {}

void Dispatcher::Match(const Route& route, const promql::Labels& labels,
                       std::vector<const Route*>* out) const {
  bool taken = false;
  for (const Route& child : route.children) {
    if (!MatchesAll(child.config->matchers, labels)) continue;
    Match(child, labels, out);
    taken = true;
    if (!child.config->continue_matching) break;
  }
  if (!taken) out->push_back(&route);
}

std::vector<std::string> Dispatcher::ReceiversFor(const promql::Labels& labels) const {
  std::vector<const Route*> routes;
  Match(root_, labels, &routes);
  std::vector<std::string> out;
  for (const Route* r : routes) out.push_back(r->config->receiver);
  return out;
}

std::map<std::string, Dispatcher::Group> Dispatcher::Collect(const std::vector<NotifyAlert>& alerts,
                                                             absl::Time now) const {
  std::map<std::string, Group> groups;
  auto add = [&groups](const std::string& receiver, const std::string& key,
                       const RouteConfig* route, const promql::Labels& group_labels,
                       const NotifyAlert& a, bool escalation) {
    Group& g = groups[LogKey(receiver, key)];
    if (g.route == nullptr) {
      g.receiver = receiver;
      g.key = key;
      g.route = route;
      g.group_labels = group_labels;
      g.escalation = escalation;
    }
    g.alerts.push_back(a);
  };
  for (const NotifyAlert& a : alerts) {
    if (a.silenced) continue;
    std::vector<const Route*> routes;
    Match(root_, a.labels, &routes);
    for (const Route* r : routes) {
      const promql::Labels group_labels = GroupLabels(*r->config, a.labels);
      const std::string key = absl::StrCat(r->id, ":", LabelSetText(group_labels));
      add(r->config->receiver, key, r->config, group_labels, a, false);
      const EscalationConfig* esc = config_.FindEscalation(promql::GetLabel(a.labels, "severity"));
      if (esc == nullptr || esc->escalate_to.empty() || a.resolved || a.acknowledged) continue;
      if (now - a.fired_at < esc->escalate_after) continue;
      add(esc->escalate_to, absl::StrCat("escalation/", key), r->config, group_labels, a, true);
    }
  }
  for (auto& [_, g] : groups) {
    std::stable_sort(g.alerts.begin(), g.alerts.end(),
                     [](const NotifyAlert& x, const NotifyAlert& y) {
                       if (x.resolved != y.resolved) return !x.resolved;
                       return x.fingerprint < y.fingerprint;
                     });
  }
  return groups;
}

absl::Duration Dispatcher::RepeatInterval(const Group& g) const {
  absl::Duration repeat = g.route->repeat_interval;
  for (const NotifyAlert& a : g.alerts) {
    if (a.resolved || a.acknowledged) continue;
    const EscalationConfig* esc = config_.FindEscalation(promql::GetLabel(a.labels, "severity"));
    if (esc != nullptr && esc->renotify_interval > absl::ZeroDuration()) {
      repeat = std::min(repeat, esc->renotify_interval);
    }
  }
  return repeat;
}

bool Dispatcher::NeedsUpdate(const Group& g, const LogEntry* entry, absl::Time now) const {
  std::set<std::string> firing, resolved;
  bool unacknowledged = false;
  for (const NotifyAlert& a : g.alerts) {
    (a.resolved ? resolved : firing).insert(a.fingerprint);
    if (!a.resolved && !a.acknowledged) unacknowledged = true;
  }
  if (entry == nullptr) return !firing.empty();
  if (!IsSubset(firing, entry->firing)) return true;
  // Everything the last message said was firing has resolved.
  if (firing.empty()) return !entry->firing.empty();
  if (!IsSubset(resolved, entry->resolved) && !g.escalation) return true;
  // Only unacknowledged alerts are worth saying again.
  return unacknowledged && entry->sent_at + RepeatInterval(g) <= now;
}

std::vector<Notification> Dispatcher::Tick(const std::vector<NotifyAlert>& alerts, absl::Time now) {
  std::map<std::string, Group> groups = Collect(alerts, now);
  // Groups that are gone (every alert left the evaluator, was silenced or acknowledged out of an
  // escalation) start afresh with group_wait if they come back.
  // Its log entry goes too, so an alert that fires anew after an ack or a silence is sent
  // again. Entries restored after a restart stay until their group is first seen.
  for (auto it = next_flush_.begin(); it != next_flush_.end();) {
    if (groups.count(it->first)) {
      ++it;
      continue;
    }
    log_.erase(it->first);
    it = next_flush_.erase(it);
  }
  std::vector<Notification> out;
  for (auto& [log_key, g] : groups) {
    auto [flush, created] = next_flush_.try_emplace(log_key, absl::InfinitePast());
    if (created) {
      absl::Time oldest = absl::InfiniteFuture();
      for (const NotifyAlert& a : g.alerts) oldest = std::min(oldest, a.fired_at);
      // An escalation group is late by definition: it goes at once.
      flush->second = g.escalation ? now : std::max(now, oldest + g.route->group_wait);
    }
    if (now < flush->second) continue;
    flush->second = now + g.route->group_interval;
    auto entry_it = log_.find(log_key);
    if (!NeedsUpdate(g, entry_it == log_.end() ? nullptr : &entry_it->second, now)) continue;
    Notification n{g.receiver, g.key, g.group_labels, g.alerts, {}};
    for (const NotifyAlert& a : g.alerts) {
      (a.resolved ? n.entry.resolved : n.entry.firing).insert(a.fingerprint);
    }
    n.entry.sent_at = now;
    log_[log_key] = n.entry;
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace datamesh::monitoring::notify
