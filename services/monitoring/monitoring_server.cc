#include "services/monitoring/monitoring_server.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/monitoring/admin_rules/admin_rule.h"
#include "services/monitoring/admin_rules/admin_rules_service.h"
#include "services/monitoring/alerts/alert_table.h"
#include "services/monitoring/alerts/rule_evaluator.h"
#include "services/monitoring/alerts_api.h"
#include "services/monitoring/analytics/explanation.h"
#include "services/monitoring/analytics/instance_zones.h"
#include "services/monitoring/health/node_directory.h"
#include "services/monitoring/monitoring_service.h"
#include "services/monitoring/notify_wiring.h"
#include "services/monitoring/rules/default_rules.h"
#include "services/monitoring/rules/rule_loader.h"
#include "services/monitoring/scrape/scraper.h"
#include "services/monitoring/scrape/target_directory.h"
#include "services/monitoring/store/sample_store.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"
#include "shared/server/periodic_task.h"
#include "shared/status/status.h"

namespace datamesh::monitoring {
namespace {

constexpr absl::Duration kRetentionInterval = absl::Minutes(10);
constexpr absl::Duration kRollupInterval = absl::Minutes(1);

absl::Duration RawRetention(const MonitoringOptions& o) {
  const bool raw_default = o.retention_raw == MonitoringOptions{}.retention_raw;
  return raw_default && o.retention > absl::ZeroDuration() ? o.retention : o.retention_raw;
}

store::SampleStore::Options StoreOptions(const MonitoringOptions& o) {
  store::SampleStore::Options s;
  s.head.max_samples = static_cast<uint32_t>(o.chunk_samples);
  s.head.max_age = o.chunk_max_age;
  s.retention = RawRetention(o);
  // CheckOptions parsed it already.
  s.rollups = store::ParseRollups(o.rollups).value_or(std::vector<store::RollupResolution>{});
  // By then every replica has flushed the window's samples.
  s.rollup_settle = 2 * o.flush_interval + o.scrape_interval;
  return s;
}

// Publishes an alert's change on core NATS (alerts are kept in PostgreSQL; the event is the
// notification, and the gateway relays alert.triggered to admins' WebSockets).
void PublishAlertChange(server::Runtime& runtime, const std::string& group,
                        const alerts::AlertChange& change) {
  v1::Alert a;
  AlertToProto(group, change.alert, &a);
  const bool fired = change.kind == alerts::AlertChange::Kind::kTriggered;
  events::v1::Event event =
      bus::NewEvent(fired ? "alert.triggered" : "alert.resolved", runtime.source());
  if (fired) {
    events::v1::AlertTriggered* t = event.mutable_alert_triggered();
    t->set_alert_id(a.id());
    t->set_rule_id(group + "/" + a.rule());
    t->set_rule(a.rule());
    t->set_severity(a.severity());
    t->set_message(a.message());
    *t->mutable_labels() = a.labels();
    t->set_value(a.value());
    *t->mutable_started_at() = a.started_at();
    *t->mutable_annotations() = a.annotations();
    t->set_group(group);
    for (const v1::SeriesChange& c : a.explanation()) {
      events::v1::AlertCause* cause = t->add_explanation();
      cause->set_metric(c.metric());
      *cause->mutable_labels() = c.labels();
      cause->set_baseline_mean(c.baseline_mean());
      cause->set_window_mean(c.window_mean());
      if (c.has_change_percent()) cause->set_change_percent(c.change_percent());
      cause->set_score(c.score());
      cause->set_rate(c.rate());
    }
  } else {
    events::v1::AlertResolved* r = event.mutable_alert_resolved();
    r->set_alert_id(a.id());
    r->set_rule_id(group + "/" + a.rule());
    r->set_rule(a.rule());
    r->set_severity(a.severity());
    r->set_message(a.message());
    *r->mutable_started_at() = a.started_at();
    *r->mutable_resolved_at() = a.resolved_at();
    *r->mutable_labels() = a.labels();
    *r->mutable_annotations() = a.annotations();
    r->set_group(group);
  }
  if (absl::Status s = runtime.bus()->PublishEvent(event); !s.ok()) {
    log::Warn("could not publish an alert event; the alert is listed all the same",
              {{"type", event.type()}, {"alert_id", a.id()}, {"error", std::string(s.message())}});
  }
}

alerts::RuleEvaluator::Deps EvaluatorDeps(server::Runtime& runtime, store::SampleStore& store,
                                          alerts::AlertTable& table) {
  alerts::RuleEvaluator::Deps d;
  d.source = &store;
  d.record = [&store](const std::vector<alerts::RecordedSample>& samples) {
    std::vector<store::Sample> out;
    out.reserve(samples.size());
    for (const alerts::RecordedSample& s : samples) out.push_back({s.labels, s.t_ms, s.value});
    store.Append(out, absl::Now());
    return absl::OkStatus();
  };
  d.state = &table;
  d.publish = [&runtime](const std::string& group, const alerts::AlertChange& c) {
    PublishAlertChange(runtime, group, c);
  };
  d.new_id = [] { return bus::NewUuidV4(); };
  d.clock = [] { return absl::Now(); };
  d.explain = [&store](const alerts::Alert& alert, absl::Duration for_duration, absl::Time now) {
    absl::StatusOr<std::vector<alerts::SeriesChange>> changes =
        analytics::ExplainAlert(store, alert.labels, for_duration, now);
    if (changes.ok()) return *std::move(changes);
    // The alert fires all the same; only its explanation is missing.
    log::Warn("could not explain a firing alert",
              {{"alert_id", alert.id}, {"error", std::string(changes.status().message())}});
    return std::vector<alerts::SeriesChange>{};
  };
  return d;
}

class Parts : public server::ServiceParts {
 public:
  Parts(server::Runtime& runtime, const MonitoringOptions& o, std::vector<rules::RuleGroup> groups)
      : store(*runtime.pg(), StoreOptions(o), runtime.metrics()),
        // A target silent for three heartbeat intervals is gone.
        directory(runtime.service_name(), 3 * runtime.options().heartbeat_interval),
        scraper(
            directory, store,
            scrape::Scraper::Options{runtime.instance_id(),
                                     {.timeout = std::min(o.scrape_timeout, o.scrape_interval)}},
            runtime.metrics()),
        alert_table(*runtime.pg()),
        evaluator(std::move(groups),
                  alerts::RuleEvaluator::Options{.instance_id = runtime.instance_id(),
                                                 .default_interval = o.rule_interval,
                                                 .outage_tolerance = o.rule_outage_tolerance,
                                                 .lease_ttl = 3 * o.rule_interval},
                  EvaluatorDeps(runtime, store, alert_table), runtime.metrics()),
        // Nodes are down after three silent heartbeat intervals, forgotten after an hour.
        nodes(3 * runtime.options().heartbeat_interval, absl::Hours(1)),
        service(store, evaluator, {&directory, &nodes, &zones}, [] { return absl::Now(); }),
        admin_rule_table(*runtime.pg()),
        admin_rules(admin_rule_table, evaluator, [] { return bus::NewUuidV4(); }) {
    service.SetAdminRules(&admin_rules);
  }

  void Stop() override {
    notify.Stop();
    subscription.reset();
    node_subscription.reset();
    if (scrape_task) scrape_task->Stop();
    for (auto& t : rule_tasks) t->Stop();
    if (lease_task) lease_task->Stop();
    evaluator.Release();
    if (rollup_task) rollup_task->Stop();
    if (retention_task) retention_task->Stop();
    if (flush_task) flush_task->Stop();
    if (absl::Status s = store.Flush(absl::Now(), /*seal_all=*/true); !s.ok()) {
      log::Warn("last flush failed: samples since the previous flush are lost",
                {{"error", std::string(s.message())}});
    }
  }

  store::SampleStore store;
  scrape::TargetDirectory directory;
  scrape::Scraper scraper;
  alerts::AlertTable alert_table;
  alerts::RuleEvaluator evaluator;
  health::NodeDirectory nodes;
  analytics::InstanceZones zones;
  MonitoringServiceImpl service;
  admin_rules::AdminRuleTable admin_rule_table;
  admin_rules::AdminRules admin_rules;
  std::unique_ptr<bus::Subscription> subscription;
  std::unique_ptr<bus::Subscription> node_subscription;
  std::unique_ptr<server::PeriodicTask> scrape_task;
  std::unique_ptr<server::PeriodicTask> flush_task;
  std::unique_ptr<server::PeriodicTask> rollup_task;
  std::unique_ptr<server::PeriodicTask> retention_task;
  std::unique_ptr<server::PeriodicTask> lease_task;
  std::vector<std::unique_ptr<server::PeriodicTask>> rule_tasks;
  NotifyParts notify;
};

// The shipped rules (unless turned off), the --rule-files, and the admin-managed rules' group
// (filled from PostgreSQL by AdminRules::Reload), in that order.
absl::StatusOr<std::vector<rules::RuleGroup>> LoadRules(const MonitoringOptions& o) {
  std::vector<rules::RuleGroup> groups;
  if (o.default_rules) {
    ASSIGN_OR_RETURN(groups,
                     rules::ParseRuleFile(rules::DefaultRulesYaml(), rules::kDefaultRulesName));
  }
  std::vector<std::string> files = absl::StrSplit(o.rule_files, ',', absl::SkipWhitespace());
  ASSIGN_OR_RETURN(std::vector<rules::RuleGroup> more, rules::LoadRuleFiles(files));
  for (rules::RuleGroup& g : more) {
    if (g.name == admin_rules::kAdminGroup) {
      return absl::InvalidArgumentError(absl::StrCat(
          g.file, ": group \"", g.name, "\" is reserved for the rules managed through the API"));
    }
    for (const rules::RuleGroup& seen : groups) {
      if (seen.name == g.name) {
        return absl::InvalidArgumentError(
            absl::StrCat(g.file, ": group \"", g.name, "\" is also a group of ", seen.file));
      }
    }
    groups.push_back(std::move(g));
  }
  groups.push_back(rules::RuleGroup{.name = admin_rules::kAdminGroup, .file = "(api)"});
  return groups;
}

absl::Status CheckOptions(const MonitoringOptions& o) {
  if (o.scrape_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--scrape-interval must be positive");
  }
  if (o.scrape_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--scrape-timeout must be positive");
  }
  if (o.retention < absl::ZeroDuration() || o.retention_raw <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--retention-raw and --retention must be positive");
  }
  if (o.retention > absl::ZeroDuration() && RawRetention(o) != o.retention) {
    return absl::InvalidArgumentError(
        "--retention is the older name of --retention-raw: give one, or both the same");
  }
  if (absl::StatusOr<std::vector<store::RollupResolution>> r = store::ParseRollups(o.rollups);
      !r.ok()) {
    return r.status();
  }
  if (o.chunk_samples < 2 || o.chunk_samples > 100'000) {
    return absl::InvalidArgumentError("--chunk-samples must be 2 to 100000");
  }
  if (o.chunk_max_age <= absl::ZeroDuration() || o.flush_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--chunk-max-age and --flush-interval must be positive");
  }
  if (o.rule_interval < absl::Seconds(1) || o.rule_outage_tolerance < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--rule-interval must be at least 1s and --rule-outage-tolerance not negative");
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterFlags(config::FlagSet& flags, MonitoringOptions& o) {
  flags.AddDuration("scrape-interval", &o.scrape_interval,
                    "how often every target's /metrics is scraped");
  flags.AddDuration("scrape-timeout", &o.scrape_timeout,
                    "longest wait for one scrape (at most the scrape interval)");
  flags.AddDuration("retention-raw", &o.retention_raw,
                    "raw samples older than this are deleted once rolled up");
  flags.AddDuration("retention", &o.retention,
                    "the older name of --retention-raw (0: not given; alone, it sets the raw "
                    "retention)");
  flags.AddString("rollups", &o.rollups,
                  "rolled-up resolutions and how long each is kept, finest first "
                  "(resolution:retention,...; empty: none, raw samples only)");
  flags.AddInt("chunk-samples", &o.chunk_samples,
               "a series' open chunk is sealed at this many samples");
  flags.AddDuration("chunk-max-age", &o.chunk_max_age,
                    "a series' open chunk is sealed when it has been open this long");
  flags.AddDuration("flush-interval", &o.flush_interval,
                    "how often open chunks are written to PostgreSQL (what a crash can lose)");
  flags.AddString("rule-files", &o.rule_files,
                  "comma-separated Prometheus rule files evaluated besides the shipped rules");
  flags.AddBool("default-rules", &o.default_rules,
                "evaluate the shipped rules (services/monitoring/rules/default_rules.yml)");
  flags.AddDuration("rule-interval", &o.rule_interval,
                    "evaluation interval of rule groups that set none; the evaluator lease "
                    "lasts three");
  flags.AddDuration("rule-outage-tolerance", &o.rule_outage_tolerance,
                    "alert states saved before an evaluator outage this long or shorter are "
                    "restored (pending ones keep their `for` progress)");
  flags.AddString("notify-config", &o.notify_config,
                  "alert notification config (YAML: route, receivers, escalation); empty: no "
                  "external receivers, the alert events only");
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const MonitoringOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  absl::StatusOr<std::vector<rules::RuleGroup>> groups = LoadRules(options);
  if (!groups.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("rule files: ", groups.status().message()));
  }
  auto parts = std::make_unique<Parts>(runtime, options, *std::move(groups));
  Parts* p = parts.get();
  ASSIGN_OR_RETURN(parts->notify,
                   StartNotify(runtime, options.notify_config, parts->evaluator, parts->service));
  ASSIGN_OR_RETURN(parts->subscription,
                   runtime.bus()->SubscribeEvents(
                       bus::SubjectFor("service.heartbeat"), /*queue_group=*/"",
                       [p](const events::v1::Event& event) {
                         if (event.has_service_heartbeat()) {
                           p->directory.OnHeartbeat(event.service_heartbeat(), absl::Now());
                           p->zones.OnServiceHeartbeat(event.service_heartbeat());
                         }
                       }));
  ASSIGN_OR_RETURN(
      parts->node_subscription,
      runtime.bus()->SubscribeEvents(bus::SubjectFor("node.heartbeat"), /*queue_group=*/"",
                                     [p](const events::v1::Event& event) {
                                       if (event.has_node_heartbeat()) {
                                         p->nodes.OnHeartbeat(event.node_heartbeat(), absl::Now());
                                         p->zones.OnNodeHeartbeat(event.node_heartbeat());
                                       }
                                     }));
  parts->scrape_task = std::make_unique<server::PeriodicTask>(
      options.scrape_interval, [p] { p->scraper.RunOnce(absl::Now()); });
  parts->flush_task = std::make_unique<server::PeriodicTask>(options.flush_interval, [p] {
    if (absl::Status s = p->store.Flush(absl::Now()); !s.ok()) {
      log::Warn("flush to PostgreSQL failed; retried next time",
                {{"error", std::string(s.message())}});
    }
  });
  parts->retention_task = std::make_unique<server::PeriodicTask>(kRetentionInterval, [p] {
    absl::StatusOr<store::RetentionResult> r = p->store.ApplyRetention(absl::Now());
    if (!r.ok()) {
      log::Warn("retention failed", {{"error", std::string(r.status().message())}});
    } else if (r->chunks_deleted > 0 || r->series_deleted > 0 || r->rollups_deleted > 0) {
      log::Info("retention", {{"chunks_deleted", r->chunks_deleted},
                              {"series_deleted", r->series_deleted},
                              {"rollups_deleted", r->rollups_deleted}});
    }
  });
  parts->rollup_task = std::make_unique<server::PeriodicTask>(kRollupInterval, [p] {
    absl::StatusOr<store::RollupPass> r = p->store.BuildRollups(absl::Now());
    if (!r.ok()) {
      log::Warn("rollup pass failed; retried next time",
                {{"error", std::string(r.status().message())}});
    } else if (r->windows > 0) {
      log::Info("rolled up", {{"windows", r->windows}, {"samples", r->samples},
                              {"points", r->points}, {"done_until_ms", r->done_until_ms}});
    }
  });
  parts->lease_task = std::make_unique<server::PeriodicTask>(options.rule_interval,
                                                             [p] { p->evaluator.RenewLease(); });
  // The admin group is the last: every replica re-reads its rules at each of its intervals
  // (the lease holder before evaluating), so an edit made on any replica is evaluated at the
  // next evaluation, and a replica taking the lease already knows the rules whose saved alerts
  // it restores.
  const size_t admin_group = parts->evaluator.num_groups() - 1;
  if (absl::Status s = parts->admin_rules.Reload(); !s.ok()) {
    log::Warn("admin rules not loaded yet; retried before each evaluation",
              {{"error", std::string(s.message())}});
  }
  for (size_t i = 0; i < parts->evaluator.num_groups(); ++i) {
    parts->rule_tasks.push_back(std::make_unique<server::PeriodicTask>(
        parts->evaluator.interval(i), [p, i, admin_group] {
          if (i == admin_group) {
            if (absl::Status s = p->admin_rules.Reload(); !s.ok()) {
              log::Warn("admin rules not re-read; evaluating the last ones read",
                        {{"error", std::string(s.message())}});
            }
          }
          p->evaluator.Tick(i);
        }));
  }
  runtime.AddGrpcService(&parts->service);
  log::Info("monitoring started",
            {{"scrape_interval_s", absl::ToDoubleSeconds(options.scrape_interval)},
             {"retention_raw_h", absl::ToDoubleHours(RawRetention(options))},
             {"rollups", options.rollups},
             {"rule_groups", parts->evaluator.num_groups()}});
  return parts;
}

}  // namespace datamesh::monitoring
