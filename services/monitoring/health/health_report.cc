#include "services/monitoring/health/health_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/monitoring/health/durability_margin.h"

namespace datamesh::monitoring::health {
namespace {

constexpr int kErrPenalty = 20;
constexpr int kWarnPenalty = 5;

void AddCheck(v1::GetHealthResponse& out, std::string id, bool err, std::string summary,
              std::string detail, std::string remediation) {
  v1::HealthCheck* c = out.add_checks();
  c->set_id(std::move(id));
  c->set_severity(err ? "ERR" : "WARN");
  c->set_summary(std::move(summary));
  c->set_detail(std::move(detail));
  c->set_remediation(std::move(remediation));
}

// One check per alerting rule with firing alerts: its worst severity, the first alert's texts,
// and every firing alert's distinguishing labels in the detail.
void AlertChecks(const std::vector<alerts::GroupSnapshot>& rules, v1::GetHealthResponse& out) {
  for (const alerts::GroupSnapshot& g : rules) {
    for (const alerts::RuleSnapshot& r : g.rules) {
      std::vector<const alerts::Alert*> firing;
      for (const alerts::Alert& a : r.alerts) {
        if (a.state == alerts::AlertState::kFiring) firing.push_back(&a);
      }
      if (firing.empty()) continue;
      bool critical = false;
      std::vector<std::string> which;
      for (const alerts::Alert* a : firing) {
        critical |= promql::GetLabel(a->labels, "severity") == "critical";
        std::vector<std::string> labels;
        for (const promql::Label& l : a->labels) {
          if (l.name != "alertname" && l.name != "severity") {
            labels.push_back(absl::StrCat(l.name, "=", l.value));
          }
        }
        which.push_back(absl::StrJoin(labels, ","));
      }
      const promql::Labels& an = firing[0]->annotations;
      const std::string summary(promql::GetLabel(an, "summary"));
      const std::string description(promql::GetLabel(an, "description"));
      AddCheck(
          out, r.rule.name, critical,
          firing.size() == 1 ? summary : absl::StrCat(firing.size(), " alerts: ", summary, ", ..."),
          absl::StrCat(description, " Firing for: ", absl::StrJoin(which, "; ")),
          std::string(promql::GetLabel(an, "remediation")));
    }
  }
}

}  // namespace

v1::GetHealthResponse BuildHealth(const std::vector<InstanceState>& instances,
                                  const std::vector<NodeInfo>& nodes,
                                  const std::vector<alerts::GroupSnapshot>& rules,
                                  const v1::DurabilityMargin& durability) {
  v1::GetHealthResponse out;
  std::map<std::string, std::vector<const InstanceState*>> by_service;
  for (const InstanceState& i : instances) by_service[i.service].push_back(&i);
  bool service_down = false;
  std::vector<std::string> awaiting;  // instances not scraped yet
  for (const auto& [name, list] : by_service) {
    v1::ServiceHealth* s = out.add_services();
    s->set_name(name);
    s->set_instances(static_cast<uint32_t>(list.size()));
    std::vector<std::string> down;
    for (const InstanceState* i : list) {
      if (!i->scraped) {
        awaiting.push_back(absl::StrCat(name, "/", i->instance_id));
      } else if (i->up) {
        s->set_healthy(s->healthy() + 1);
      } else {
        down.push_back(i->instance_id);
      }
    }
    if (down.empty()) continue;
    const bool none = s->healthy() == 0 && down.size() == list.size();
    service_down |= none;
    AddCheck(out, none ? "SERVICE_DOWN" : "INSTANCES_DOWN", none,
             none ? absl::StrCat(name, ": no instance answers")
                  : absl::StrCat(name, ": ", down.size(), " of ", list.size(),
                                 " instances do not answer"),
             absl::StrCat("Not answering their metrics scrape: ", absl::StrJoin(down, ", ")),
             absl::StrCat("Check the ", name, " processes or pods and their logs."));
  }
  if (!awaiting.empty()) {
    AddCheck(out, "AWAITING_FIRST_SCRAPE", false,
             absl::StrCat(awaiting.size(), " instances are not scraped yet"),
             absl::StrCat("Health known after their first scrape: ", absl::StrJoin(awaiting, ", ")),
             "Nothing to do if monitoring or these instances just started; otherwise check that "
             "monitoring can reach their metrics address.");
  }
  std::vector<std::string> nodes_down;
  for (const NodeInfo& n : nodes) {
    v1::NodeHealth* h = out.add_nodes();
    h->set_id(n.id);
    h->set_address(n.address);
    h->set_zone(n.zone);
    h->set_state(n.up ? "up" : "down");
    h->set_capacity_bytes(n.capacity_bytes);
    h->set_used_bytes(n.used_bytes);
    if (!n.up) nodes_down.push_back(absl::StrCat(n.id.substr(0, 12), " (", n.address, ")"));
  }
  if (!nodes_down.empty()) {
    AddCheck(out, "NODES_DOWN", true,
             absl::StrCat(nodes_down.size(), " of ", nodes.size(), " storage nodes are down"),
             absl::StrCat("No heartbeat from: ", absl::StrJoin(nodes_down, ", ")),
             "Restart the nodes (their data is kept); replace a failed disk and let repair "
             "rebuild its shards.");
  }
  AddDurabilityCheck(durability, out);
  AlertChecks(rules, out);
  std::stable_sort(out.mutable_checks()->begin(), out.mutable_checks()->end(),
                   [](const v1::HealthCheck& a, const v1::HealthCheck& b) {
                     return a.severity() == "ERR" && b.severity() != "ERR";
                   });
  int score = 100;
  for (const v1::HealthCheck& c : out.checks()) {
    score -= c.severity() == "ERR" ? kErrPenalty : kWarnPenalty;
  }
  out.set_score(static_cast<uint32_t>(std::max(score, 0)));
  out.set_status(service_down ? "down" : out.checks().empty() ? "ok" : "degraded");
  *out.mutable_durability() = durability;
  return out;
}

}  // namespace datamesh::monitoring::health
