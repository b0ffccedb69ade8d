// proposals and operators: the /governance routes of docs/API.md for proposals, votes and
// storage operators (wallet, stake and parameters are in commands_wallet.cc). Amounts are
// shown in tokens (token_amount.h); the API carries micro-tokens.
#include <fstream>

#include "absl/strings/str_cat.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"
#include "tools/cli/token_amount.h"

namespace datamesh::cli {
namespace {

using nlohmann::json;

std::string Cell(const json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key)) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

std::string TokenCell(const json& j, const std::string& key) {
  return FormatTokens(JsonU64(j, key));
}

// The optional ?limit= and &cursor= of a list.
absl::StatusOr<std::string> ListPageQuery(const ApiClient& api, const ParsedArgs& args) {
  std::string query;
  if (std::optional<std::string> limit = args.Value("limit")) {
    ASSIGN_OR_RETURN(uint64_t n, ParsePositive("limit", *limit));
    absl::StrAppend(&query, "&limit=", n);
  }
  if (std::optional<std::string> cursor = args.Value("cursor")) {
    absl::StrAppend(&query, "&cursor=", api.Escape(*cursor));
  }
  return query;
}

// Says how to get the next page, on stderr so stdout stays a clean table.
void HintNextPage(Context& ctx, const json& answer) {
  if (!JsonStr(answer, "nextCursor").empty()) {
    ctx.Warn("more: repeat with --cursor " + JsonStr(answer, "nextCursor"));
  }
}

// ---- proposals ----

std::string TallyCell(const json& p) {
  const json votes = p.value("votes", json::object());
  return absl::StrCat(TokenCell(votes, "yes"), "/", TokenCell(votes, "no"), "/",
                      TokenCell(votes, "abstain"), "/", TokenCell(votes, "veto"));
}

void PrintProposals(Context& ctx, const json& proposals) {
  std::vector<std::vector<std::string>> rows;
  for (const json& p : proposals) {
    rows.push_back({Cell(p, "id"), Cell(p, "state"), Cell(p, "type"), TallyCell(p),
                    Cell(p, "closesAt"), Cell(p, "title")});
  }
  PrintTable(ctx.out, {"ID", "STATE", "TYPE", "YES/NO/ABSTAIN/VETO", "CLOSES", "TITLE"}, rows);
}

void PrintProposal(Context& ctx, const json& p) {
  std::vector<std::vector<std::string>> rows = {
      {"id", Cell(p, "id")},
      {"title", Cell(p, "title")},
      {"type", Cell(p, "type")},
      {"state", Cell(p, "state") +
                    (Cell(p, "stateReason").empty() ? "" : " (" + Cell(p, "stateReason") + ")")},
      {"proposer", Cell(p, "proposer")},
      {"change", p.value("change", json::object()).dump()},
      {"votes yes/no/abstain/veto", TallyCell(p)},
      {"quorum", TokenCell(p, "quorum")},
      {"voting power", TokenCell(p, "totalPower")},
      {"deposit", TokenCell(p, "deposit")},
      {"opens", Cell(p, "opensAt")},
      {"closes", Cell(p, "closesAt")},
  };
  for (const char* key : {"executableAt", "executedAt"}) {
    if (p.contains(key)) rows.push_back({key, Cell(p, key)});
  }
  if (p.contains("impact")) rows.push_back({"impact", p["impact"].dump()});
  PrintTable(ctx.out, {"FIELD", "VALUE"}, rows);
  if (!Cell(p, "description").empty()) ctx.Print("\n" + Cell(p, "description"));
}

absl::StatusOr<json> ProposalBody(const ParsedArgs& args) {
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
    ASSIGN_OR_RETURN(std::string query, ListPageQuery(api, args));
    if (std::optional<std::string> state = args.Value("state")) {
      absl::StrAppend(&query, "&state=", api.Escape(*state));
    }
    if (!query.empty()) query[0] = '?';
    ASSIGN_OR_RETURN(answer, api.Call("GET", "/governance/proposals" + query));
    if (ctx.global.json) return ctx.PrintJson(answer);
    PrintProposals(ctx, answer.value("proposals", json::array()));
    HintNextPage(ctx, answer);
    return absl::OkStatus();
  }
  if (sub == "show" && p.size() == 2) {
    ASSIGN_OR_RETURN(answer, api.Call("GET", "/governance/proposals/" + api.Escape(p[1])));
    if (ctx.global.json) return ctx.PrintJson(answer);
    PrintProposal(ctx, answer.value("proposal", json::object()));
    return absl::OkStatus();
  }
  if (sub == "create" && p.size() == 1) {
    ASSIGN_OR_RETURN(json body, ProposalBody(args));
    ASSIGN_OR_RETURN(answer, api.Call("POST", "/governance/proposals", &body));
  } else if (sub == "vote" && p.size() == 3) {
    if (p[2] != "yes" && p[2] != "no" && p[2] != "abstain" && p[2] != "veto") {
      return absl::InvalidArgumentError("the vote is yes, no, abstain or veto");
    }
    const json body = {{"choice", p[2]}};
    ASSIGN_OR_RETURN(answer,
                     api.Call("PUT", "/governance/proposals/" + api.Escape(p[1]) + "/vote", &body));
  } else {
    return absl::InvalidArgumentError(
        "use 'proposals list', 'proposals show <id>', 'proposals create ...' or "
        "'proposals vote <id> yes|no|abstain|veto'");
  }
  if (ctx.global.json) return ctx.PrintJson(answer);
  PrintProposals(ctx, json::array({answer.value("proposal", json::object())}));
  return absl::OkStatus();
}

// ---- operators ----

void PrintOperators(Context& ctx, const json& operators) {
  std::vector<std::vector<std::string>> rows;
  for (const json& o : operators) {
    std::vector<std::string> nodes;
    for (const json& n : o.value("nodes", json::array())) nodes.push_back(n.get<std::string>());
    rows.push_back({Cell(o, "id"), Cell(o, "state"), TokenCell(o, "stake"), Cell(o, "reputation"),
                    std::to_string(nodes.size()), Cell(o, "name")});
  }
  PrintTable(ctx.out, {"ID", "STATE", "STAKE", "REPUTATION", "NODES", "NAME"}, rows);
}

// `--proofs FILE`: a JSON proof object {"nodeId", "publicKey", "signature"} or an array of them.
absl::StatusOr<json> ReadNodeProofs(const ParsedArgs& args) {
  std::optional<std::string> path = args.Value("proofs");
  if (!path) return json::array();
  std::ifstream in(*path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", *path));
  json proofs = json::parse(in, nullptr, false);
  if (proofs.is_object()) proofs = json::array({proofs});
  if (!proofs.is_array()) {
    return absl::InvalidArgumentError(*path + " must hold a JSON proof or an array of them");
  }
  return proofs;
}

absl::Status RegisterOperator(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  const std::string name = args.Value("name").value_or("");
  if (name.empty()) return absl::InvalidArgumentError("operators register needs --name");
  ASSIGN_OR_RETURN(json proofs, ReadNodeProofs(args));
  json body = {{"name", name}, {"nodeIds", json::array()}, {"proofs", proofs}};
  for (const json& proof : proofs) body["nodeIds"].push_back(proof.value("nodeId", ""));
  if (std::optional<std::string> challenge = args.Value("challenge"))
    body["challenge"] = *challenge;
  ASSIGN_OR_RETURN(json answer, api.Call("POST", "/governance/operators", &body));
  if (ctx.global.json) return ctx.PrintJson(answer);
  PrintOperators(ctx, json::array({answer.value("operator", json::object())}));
  return absl::OkStatus();
}

absl::Status ClaimNode(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(json proofs, ReadNodeProofs(args));
  const std::string challenge = args.Value("challenge").value_or("");
  if (proofs.size() != 1 || challenge.empty()) {
    return absl::InvalidArgumentError(
        "operators claim needs --challenge and one proof in --proofs");
  }
  const json body = {{"challenge", challenge}, {"proof", proofs[0]}};
  ASSIGN_OR_RETURN(json answer, api.Call("POST", "/governance/operators/me/nodes", &body));
  if (ctx.global.json) return ctx.PrintJson(answer);
  PrintOperators(ctx, json::array({answer.value("operator", json::object())}));
  return absl::OkStatus();
}

// One node's audit record and standing (GET /governance/nodes/{id}/reputation).
absl::Status NodeReputation(Context& ctx, ApiClient& api, const std::string& node_id) {
  ASSIGN_OR_RETURN(json answer, api.Call("GET", "/governance/nodes/" + node_id + "/reputation"));
  if (ctx.global.json) return ctx.PrintJson(answer);
  const json r = answer.value("reputation", json::object());
  const bool audited = r.value("audited", false);
  // Proto JSON leaves zeros out.
  auto n = [&r](const std::string& key) {
    const std::string cell = Cell(r, key);
    return cell.empty() ? std::string("0") : cell;
  };
  std::string standing = r.contains("disqualifiedAt")
                             ? "disqualified since " + JsonStr(r, "disqualifiedAt")
                         : r.contains("vettedAt") ? "vetted since " + JsonStr(r, "vettedAt")
                                                  : "not vetted yet";
  PrintTable(ctx.out, {"FIELD", "VALUE"},
             {{"node", JsonStr(r, "nodeId")},
              {"operator", r.contains("operatorId") ? JsonStr(r, "operatorId") : "-"},
              {"score", audited ? n("score") + " (disqualified below " +
                                      n("disqualifyBelow") + ")"
                                : "1 (never audited)"},
              {"audits", absl::StrCat(n("auditsTotal"), " total: ", n("auditsSuccess"),
                                      " passed, ", n("auditsFailed"), " failed, ",
                                      n("auditsOffline"), " offline")},
              {"standing", standing + " (vetting needs " + n("vettingAuditsRequired") +
                               " passed audits)"},
              {"uptime", absl::StrCat(n("uptime"), " (", n("uptimeWindowsUp"), " of ",
                                      n("uptimeWindowsTotal"), " windows of ",
                                      n("uptimeWindowSeconds"), " s)")}});
  return absl::OkStatus();
}

absl::Status Operators(Context& ctx, const ParsedArgs& args) {
  const std::vector<std::string>& p = args.positionals;
  const std::string sub = p.empty() ? "list" : p[0];
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  if (sub == "list" && p.size() <= 1) {
    ASSIGN_OR_RETURN(std::string query, ListPageQuery(api, args));
    if (!query.empty()) query[0] = '?';
    ASSIGN_OR_RETURN(json answer, api.Call("GET", "/governance/operators" + query));
    if (ctx.global.json) return ctx.PrintJson(answer);
    PrintOperators(ctx, answer.value("operators", json::array()));
    HintNextPage(ctx, answer);
    return absl::OkStatus();
  }
  if (sub == "challenge" && p.size() == 1) {
    ASSIGN_OR_RETURN(json answer, api.Call("POST", "/governance/operators/challenge"));
    if (ctx.global.json) return ctx.PrintJson(answer);
    ctx.Print(absl::StrCat(JsonStr(answer, "challenge"), "  (valid until ",
                           JsonStr(answer, "expiresAt"), ")"));
    return absl::OkStatus();
  }
  if (sub == "register" && p.size() == 1) return RegisterOperator(ctx, api, args);
  if (sub == "claim" && p.size() == 1) return ClaimNode(ctx, api, args);
  if (sub == "reputation" && p.size() == 2) return NodeReputation(ctx, api, p[1]);
  return absl::InvalidArgumentError(
      "use 'operators list', 'operators challenge', 'operators register --name NAME "
      "[--challenge C --proofs FILE]', 'operators claim --challenge C --proofs FILE' or "
      "'operators reputation NODE_ID'");
}

}  // namespace

std::vector<Command> GovernanceCommands() {
  return {
      {"proposals", "governance proposals (list | show | create | vote)",
       "datamesh proposals list [--state STATE] [--limit N] [--cursor C]\n"
       "datamesh proposals show <id>\n"
       "datamesh proposals create --title T --type TYPE [--description D] [--change JSON]\n"
       "                          [--voting-period SECONDS]\n"
       "datamesh proposals vote <id> yes|no|abstain|veto\n"
       "  Tallies are in tokens. TYPE: parameter_change, operator_admission, operator_removal,\n"
       "  treasury_spend or text; 'datamesh parameters' lists what a parameter_change may set.",
       CommandSpec{.value_options = {"state", "title", "description", "type", "change",
                                     "voting-period", "limit", "cursor"},
                   .min_positionals = 1,
                   .max_positionals = 3},
       Proposals},
      {"operators", "storage operators (list | challenge | register | claim | reputation)",
       "datamesh operators [list] [--limit N] [--cursor C]\n"
       "datamesh operators challenge\n"
       "datamesh operators register --name NAME [--challenge C --proofs FILE]\n"
       "datamesh operators claim --challenge C --proofs FILE\n"
       "datamesh operators reputation <node-id>\n"
       "  Registers you as an operator, with the storage nodes whose proofs of possession FILE\n"
       "  holds (a JSON {\"nodeId\",\"publicKey\",\"signature\"} or an array of them, each\n"
       "  signing the challenge), or adds one more node. Stake is shown in tokens.\n"
       "  reputation: a storage node's audits, score, vetting, disqualification and uptime.",
       CommandSpec{.value_options = {"name", "challenge", "proofs", "limit", "cursor"},
                   .max_positionals = 2},
       Operators},
  };
}

}  // namespace datamesh::cli
