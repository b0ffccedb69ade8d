// health, alerts: the /monitoring routes. Where the server answers 501 (not built yet) its
// message is reported and the exit code is 6; nothing is invented locally (a durability margin
// the server does not report is shown as not available).
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"
#include "tools/cli/commands_alert_rules.h"
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

// ---- alerts ack | silence | silences | unsilence ----

// "name=value", "name!=value", "name=~re", "name!~re" as the API's {"name", "op", "value"}.
absl::StatusOr<json> MatcherJson(const std::string& text) {
  const size_t at = text.find_first_of("=!");
  if (at == std::string::npos || at == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "matcher \"", text, "\" must be name=value, name!=value, name=~re or name!~re"));
  }
  std::string op = text.substr(at, 1);
  if (at + 1 < text.size() && (text[at + 1] == '~' || (op == "!" && text[at + 1] == '='))) {
    op += text[at + 1];
  }
  if (op == "!") {
    return absl::InvalidArgumentError(absl::StrCat("matcher \"", text, "\" has no operator"));
  }
  std::string value = text.substr(at + op.size());
  // A quoted value, as Alertmanager writes matchers.
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return json{{"name", text.substr(0, at)}, {"op", op}, {"value", value}};
}

absl::Status Ack(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  if (args.positionals.size() != 2) {
    return absl::InvalidArgumentError("usage: datamesh alerts ack <alert id or fingerprint>");
  }
  const json body = {{"comment", args.Value("comment").value_or("")}};
  ASSIGN_OR_RETURN(
      json answer,
      api.Call("POST", absl::StrCat("/monitoring/alerts/", args.positionals[1], "/ack"), &body));
  if (ctx.global.json) return ctx.PrintJson(answer);
  ctx.Print(absl::StrCat("acknowledged ", Text(answer, "alertId"), " (fingerprint ",
                         Text(answer, "fingerprint"), ")"));
  return absl::OkStatus();
}

absl::Status Silence(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  json matchers = json::array();
  std::vector<std::string> texts(args.positionals.begin() + 1, args.positionals.end());
  if (std::optional<std::string> m = args.Value("match")) texts.insert(texts.begin(), *m);
  for (const std::string& t : texts) {
    ASSIGN_OR_RETURN(json m, MatcherJson(t));
    matchers.push_back(std::move(m));
  }
  if (matchers.empty()) {
    return absl::InvalidArgumentError("give at least one matcher: --match 'alertname=X'");
  }
  std::optional<std::string> span = args.Value("for");
  std::optional<std::string> comment = args.Value("comment");
  if (!span || !comment) return absl::InvalidArgumentError("--for and --comment are required");
  std::string go = *span;
  int64_t days = 0;
  if (!go.empty() && go.back() == 'd' && absl::SimpleAtoi(go.substr(0, go.size() - 1), &days)) {
    go = absl::StrCat(days * 24, "h");
  }
  absl::Duration d;
  if (!absl::ParseDuration(go, &d) || d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--for must be a positive duration such as 30m, 2h or 1d");
  }
  const json body = {
      {"matchers", matchers},
      {"endsAt", absl::FormatTime(absl::RFC3339_sec, absl::Now() + d, absl::UTCTimeZone())},
      {"comment", *comment}};
  ASSIGN_OR_RETURN(json answer, api.Call("POST", "/monitoring/silences", &body));
  if (ctx.global.json) return ctx.PrintJson(answer);
  ctx.Print(absl::StrCat("silence ", Text(answer, "id"), " until ", Text(answer, "endsAt")));
  return absl::OkStatus();
}

std::string MatchersText(const json& silence) {
  std::string out;
  for (const json& m : silence.value("matchers", json::array())) {
    absl::StrAppend(&out, out.empty() ? "" : ",", Text(m, "name"), Text(m, "op"), "\"",
                    Text(m, "value"), "\"");
  }
  return out;
}

absl::Status Silences(Context& ctx, ApiClient& api) {
  ASSIGN_OR_RETURN(json answer, api.Call("GET", "/monitoring/silences"));
  if (ctx.global.json) return ctx.PrintJson(answer);
  std::vector<std::vector<std::string>> rows;
  for (const json& s : answer.value("silences", json::array())) {
    rows.push_back({Text(s, "id"), Text(s, "state"), Text(s, "endsAt"), MatchersText(s),
                    Text(s, "createdBy"), Text(s, "comment")});
  }
  PrintTable(ctx.out, {"ID", "STATE", "ENDS", "MATCHERS", "BY", "COMMENT"}, rows);
  return absl::OkStatus();
}

absl::Status Unsilence(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  if (args.positionals.size() != 2) {
    return absl::InvalidArgumentError("usage: datamesh alerts unsilence <silence id>");
  }
  RETURN_IF_ERROR(
      api.Call("DELETE", absl::StrCat("/monitoring/silences/", args.positionals[1])).status());
  ctx.Print(absl::StrCat("silence ", args.positionals[1], " expired"));
  return absl::OkStatus();
}

absl::Status Alerts(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  const std::string action = args.positionals.empty() ? "" : args.positionals[0];
  if (action == "ack") return Ack(ctx, api, args);
  if (action == "silence") return Silence(ctx, api, args);
  if (action == "silences") return Silences(ctx, api);
  if (action == "unsilence") return Unsilence(ctx, api, args);
  if (action == "rules") return AlertRules(ctx, api, args);
  if (!action.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown alerts action \"", action, "\": ack, silence, silences, unsilence or rules"));
  }
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
    std::string notes;
    if (a.contains("acknowledgement")) {
      notes = "acked by " + Text(a["acknowledgement"], "by");
    }
    if (!a.value("silencedBy", json::array()).empty()) {
      absl::StrAppend(&notes, notes.empty() ? "" : ", ", "silenced");
    }
    rows.push_back({Text(a, "id"), Text(a, "severity"), Text(a, "state"), Text(a, "startedAt"),
                    Text(a, "rule"), AlertLabels(a), notes, Text(a, "message")});
  }
  PrintTable(ctx.out, {"ID", "SEVERITY", "STATE", "SINCE", "ALERT", "LABELS", "NOTES", "SUMMARY"},
             rows);
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
       "(description, remediation) and value.\n"
       "datamesh alerts ack <id or fingerprint> [--comment TEXT]\n  Acknowledges a firing alert: "
       "its re-notification and escalation stop.\n"
       "datamesh alerts silence --match 'alertname=X' [MATCHER...] --for 2h --comment TEXT\n"
       "  Mutes the matching alerts' notifications (=, !=, =~, !~).\n"
       "datamesh alerts silences | datamesh alerts unsilence <silence id>\n"
       "  Lists silences / ends one now.\n"
       "datamesh alerts rules [list] | rules add -f rule.yml | rules rm <rule id>\n"
       "  Lists the alert rules (shipped ones read-only), adds one from a YAML file (a\n"
       "  Prometheus rule, or kind: anomaly|forecast), deletes an admin-managed one.",
       CommandSpec{.value_options = {"state", "comment", "match", "for", "f", "file"},
                   .max_positionals = 8},
       Alerts},
  };
}

}  // namespace datamesh::cli
