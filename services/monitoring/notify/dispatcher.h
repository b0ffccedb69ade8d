// Dispatcher: decides which notifications go to which receiver and when — routing, grouping
// and de-duplication with Alertmanager's semantics, plus acknowledgement and escalation.
//
// Each Tick is given every alert the evaluator holds (firing, and resolved within its
// retention), each flagged silenced and/or acknowledged by the caller:
//  - A silenced alert is left out of every group (it is not sent while the silence holds).
//  - Routing: an alert goes down the route tree; at each route the children are tried in order
//    and the first that matches is taken (further ones too while `continue` is set); a route no
//    child takes is the alert's route. Its group is the route and the values of `group_by`.
//  - A new group is first sent `group_wait` after its oldest alert began firing (at once when
//    that is past, as after a restart); then it is looked at every `group_interval` and sent
//    when an alert fires that the last notification did not carry, when every alert resolved,
//    when an alert resolved that the last one did not say, or after `repeat_interval`.
//  - The notification log (the last firing and resolved sets sent to each receiver's group)
//    de-duplicates, also across restarts: the caller persists what Tick returns and gives it
//    back through RestoreLog.
//  - An acknowledged alert is never the reason for a repeat: a group whose firing alerts are
//    all acknowledged is not re-sent. A new alert in the group is still sent.
//  - Escalation by severity: while an alert of that severity fires unacknowledged, its group
//    repeats every `renotify_interval` (when shorter than repeat_interval), and after
//    `escalate_after` the alert is also sent to `escalate_to`, in a group of its own under that
//    receiver. An ack takes it out of that group (no resolved message is sent for it there).
//
// Pure logic on the given time. Not thread-safe: the notifier calls it under its lock.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/monitoring/notify/notify_config.h"
#include "services/monitoring/promql/labels.h"

namespace datamesh::monitoring::notify {

// Alertmanager's fingerprint of a label set: FNV-1a 64 over each name and value with a 0xff
// separator, in label-name order; 16 lower-case hex digits.
std::string Fingerprint(const promql::Labels& labels);

struct NotifyAlert {
  std::string id;  // the episode's id
  std::string fingerprint;
  promql::Labels labels;
  promql::Labels annotations;
  bool resolved = false;
  absl::Time starts_at = absl::InfinitePast();  // became active (pending)
  absl::Time fired_at = absl::InfinitePast();
  absl::Time ends_at = absl::InfinitePast();  // resolved at
  bool silenced = false;
  bool acknowledged = false;
};

// What was last sent to one receiver's group.
struct LogEntry {
  std::set<std::string> firing;    // fingerprints
  std::set<std::string> resolved;  // fingerprints
  absl::Time sent_at = absl::InfinitePast();
};

struct Notification {
  std::string receiver;
  std::string group_key;  // "<route>:{name=\"value\",...}", prefixed "escalation/" for those
  promql::Labels group_labels;
  std::vector<NotifyAlert> alerts;  // firing first, then resolved; each by fingerprint
  LogEntry entry;                   // what the log now holds for (receiver, group_key)
};

class Dispatcher {
 public:
  // `config` must outlive the dispatcher.
  explicit Dispatcher(const NotifyConfig& config);

  // The notifications due at `now`, in group order. The log is updated as they are returned.
  std::vector<Notification> Tick(const std::vector<NotifyAlert>& alerts, absl::Time now);

  // Entries persisted before (keyed by LogKey).
  void RestoreLog(std::map<std::string, LogEntry> log) { log_ = std::move(log); }
  static std::string LogKey(const std::string& receiver, const std::string& group_key);

  // Which receivers the alert is routed to (tests and the UI's "would go to").
  std::vector<std::string> ReceiversFor(const promql::Labels& labels) const;

 private:
  struct Route {
    const RouteConfig* config;
    std::string id;  // its path in the config: route, route.routes[0], ...
    std::vector<Route> children;
  };
  struct Group {
    std::string receiver;
    std::string key;
    const RouteConfig* route = nullptr;
    promql::Labels group_labels;
    std::vector<NotifyAlert> alerts;
    absl::Time next_flush = absl::InfinitePast();
    bool escalation = false;
  };

  static Route Build(const RouteConfig& config, std::string id);
  void Match(const Route& route, const promql::Labels& labels,
             std::vector<const Route*>* out) const;
  std::map<std::string, Group> Collect(const std::vector<NotifyAlert>& alerts,
                                       absl::Time now) const;
  bool NeedsUpdate(const Group& g, const LogEntry* entry, absl::Time now) const;
  absl::Duration RepeatInterval(const Group& g) const;

  const NotifyConfig& config_;
  const Route root_;
  std::map<std::string, absl::Time> next_flush_;  // by LogKey of the live groups
  std::map<std::string, LogEntry> log_;
};

}  // namespace datamesh::monitoring::notify
