// health, alerts: the /monitoring routes. Where the server answers 501 (not built yet) its
// message is reported and the exit code is 6; nothing is invented locally (a durability margin
// the server does not report is shown as not available).
#include "absl/strings/str_cat.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"
#include "tools/cli/progress.h"

namespace datamesh::cli {
namespace {

using nlohmann::json;

std::string Text(const json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key)) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

absl::Status Health(Context& ctx, const ParsedArgs&) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  ASSIGN_OR_RETURN(json answer, api.Call("GET", "/monitoring/health"));
  if (ctx.global.json) return ctx.PrintJson(answer);
  ctx.Print(absl::StrCat("status ", Text(answer, "status"), ", score ", Text(answer, "score")));
  for (const json& c : answer.value("checks", json::array())) {
    ctx.Print(
        absl::StrCat("  [", Text(c, "severity"), "] ", Text(c, "id"), ": ", Text(c, "summary")));
    if (!Text(c, "remediation").empty()) ctx.Print("        " + Text(c, "remediation"));
  }
  const json durability = answer.value("durability", json::object());
  if (durability.value("available", false) == false && durability.contains("reason")) {
    ctx.Print("durability margin: not available (" + Text(durability, "reason") + ")");
  }
  std::vector<std::vector<std::string>> services;
  for (const json& s : answer.value("services", json::array())) {
    services.push_back({Text(s, "name"), Text(s, "instances"), Text(s, "healthy")});
  }
  PrintTable(ctx.out, {"SERVICE", "INSTANCES", "HEALTHY"}, services);
  std::vector<std::vector<std::string>> nodes;
  for (const json& n : answer.value("nodes", json::array())) {
    nodes.push_back(
        {Text(n, "id"), Text(n, "zone"), Text(n, "state"),
         FormatBytes(JsonU64(n, "usedBytes")) + "/" + FormatBytes(JsonU64(n, "capacityBytes")),
         Text(n, "address")});
  }
  PrintTable(ctx.out, {"NODE", "ZONE", "STATE", "USED", "ADDRESS"}, nodes);
  return absl::OkStatus();
}

// The labels that tell alerts of one rule apart (alertname and severity have their columns).
std::string AlertLabels(const json& a) {
  std::string out;
  // A named copy: a range-for over items() of a temporary would outlive the temporary.
  const json labels = a.value("labels", json::object());
  for (const auto& [name, value] : labels.items()) {
    if (name == "alertname" || name == "severity" || !value.is_string()) continue;
    absl::StrAppend(&out, out.empty() ? "" : ",", name, "=", value.get<std::string>());
  }
  return out;
}

absl::Status Alerts(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  std::string path = "/monitoring/alerts";
  if (std::optional<std::string> state = args.Value("state")) {
    if (*state != "pending" && *state != "firing" && *state != "resolved") {
      return absl::InvalidArgumentError("--state must be pending, firing or resolved");
    }
    absl::StrAppend(&path, "?state=", *state);
  }
  ASSIGN_OR_RETURN(json answer, api.Call("GET", path));
  if (ctx.global.json) return ctx.PrintJson(answer);
  std::vector<std::vector<std::string>> rows;
  for (const json& a : answer.value("alerts", json::array())) {
    rows.push_back({Text(a, "severity"), Text(a, "state"), Text(a, "startedAt"), Text(a, "rule"),
                    AlertLabels(a), Text(a, "message")});
  }
  PrintTable(ctx.out, {"SEVERITY", "STATE", "SINCE", "ALERT", "LABELS", "SUMMARY"}, rows);
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> OperationCommands() {
  const CommandSpec none{.max_positionals = 0};
  return {
      {"health", "network health (services, nodes)",
       "datamesh health\n  Shows the network's health (GET /monitoring/health): status, score, the "
       "checks\n  that are not OK with what to do, services and nodes.",
       none, Health},
      {"alerts", "pending, firing and recently resolved alerts",
       "datamesh alerts [--state pending|firing|resolved]\n  Lists the alerts of the monitoring "
       "rules, newest first (GET /monitoring/alerts);\n  --json adds each alert's annotations "
       "(description, remediation) and value.",
       CommandSpec{.value_options = {"state"}, .max_positionals = 0}, Alerts},
  };
}

}  // namespace datamesh::cli
