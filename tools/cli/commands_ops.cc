// health, alerts, proposals: the /monitoring and /governance routes. Where the server answers
// 501 (service not built yet) its message is reported and the exit code is 6; nothing is
// invented locally.
#include "absl/strings/numbers.h"
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

absl::Status Alerts(Context& ctx, const ParsedArgs&) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  ASSIGN_OR_RETURN(json answer, api.Call("GET", "/monitoring/alerts"));
  if (ctx.global.json) return ctx.PrintJson(answer);
  std::vector<std::vector<std::string>> rows;
  for (const json& a : answer.value("alerts", json::array())) {
    rows.push_back({Text(a, "id"), Text(a, "severity"), Text(a, "state"), Text(a, "startedAt"),
                    Text(a, "rule") + ": " + Text(a, "message")});
  }
  PrintTable(ctx.out, {"ID", "SEVERITY", "STATE", "STARTED", "ALERT"}, rows);
  return absl::OkStatus();
}

void PrintProposals(Context& ctx, const json& proposals) {
  std::vector<std::vector<std::string>> rows;
  for (const json& p : proposals) {
    const json votes = p.value("votes", json::object());
    rows.push_back(
        {Text(p, "id"), Text(p, "state"),
         absl::StrCat(Text(votes, "yes"), "/", Text(votes, "no"), "/", Text(votes, "abstain")),
         Text(p, "closesAt"), Text(p, "title")});
  }
  PrintTable(ctx.out, {"ID", "STATE", "YES/NO/ABSTAIN", "CLOSES", "TITLE"}, rows);
}

absl::StatusOr<json> CreateBody(const ParsedArgs& args) {
  json body = {{"title", args.Value("title").value_or("")},
               {"description", args.Value("description").value_or("")},
               {"type", args.Value("type").value_or("")}};
  if (body["title"] == "" || body["type"] == "") {
    return absl::InvalidArgumentError("proposals create needs --title and --type");
  }
  json change = json::parse(args.Value("change").value_or("{}"), nullptr, false);
  if (!change.is_object()) return absl::InvalidArgumentError("--change must be a JSON object");
  body["change"] = change;
  if (std::optional<std::string> period = args.Value("voting-period")) {
    ASSIGN_OR_RETURN(uint64_t seconds, ParsePositive("voting-period", *period));
    body["votingPeriodSeconds"] = seconds;
  }
  return body;
}

absl::Status Proposals(Context& ctx, const ParsedArgs& args) {
  const std::vector<std::string>& p = args.positionals;
  const std::string sub = p.empty() ? "" : p[0];
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  json answer;
  if (sub == "list" && p.size() == 1) {
    std::string path = "/governance/proposals";
    if (std::optional<std::string> state = args.Value("state")) {
      absl::StrAppend(&path, "?state=", api.Escape(*state));
    }
    ASSIGN_OR_RETURN(answer, api.Call("GET", path));
    if (ctx.global.json) return ctx.PrintJson(answer);
    PrintProposals(ctx, answer.value("proposals", json::array()));
    return absl::OkStatus();
  }
  if (sub == "create" && p.size() == 1) {
    ASSIGN_OR_RETURN(json body, CreateBody(args));
    ASSIGN_OR_RETURN(answer, api.Call("POST", "/governance/proposals", &body));
  } else if (sub == "vote" && p.size() == 3) {
    if (p[2] != "yes" && p[2] != "no" && p[2] != "abstain") {
      return absl::InvalidArgumentError("the vote is yes, no or abstain");
    }
    const json body = {{"choice", p[2]}};
    ASSIGN_OR_RETURN(answer,
                     api.Call("PUT", "/governance/proposals/" + api.Escape(p[1]) + "/vote", &body));
  } else {
    return absl::InvalidArgumentError(
        "use 'proposals list', 'proposals create ...' or 'proposals vote <id> yes|no|abstain'");
  }
  if (ctx.global.json) return ctx.PrintJson(answer);
  PrintProposals(ctx, json::array({answer.value("proposal", json::object())}));
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> OperationCommands() {
  const CommandSpec none{.max_positionals = 0};
  return {
      {"health", "network health (services, nodes)",
       "datamesh health\n  Shows the network's health (GET /monitoring/health).", none, Health},
      {"alerts", "active and recent alerts",
       "datamesh alerts\n  Lists alerts (GET /monitoring/alerts).", none, Alerts},
      {"proposals", "governance proposals (list | create | vote)",
       "datamesh proposals list [--state STATE]\n"
       "datamesh proposals create --title T --type TYPE [--description D] [--change JSON]\n"
       "                          [--voting-period SECONDS]\n"
       "datamesh proposals vote <id> yes|no|abstain",
       CommandSpec{
           .value_options = {"state", "title", "description", "type", "change", "voting-period"},
           .min_positionals = 1,
           .max_positionals = 3},
       Proposals},
  };
}

}  // namespace datamesh::cli
