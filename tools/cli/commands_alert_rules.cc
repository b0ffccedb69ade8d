#include "tools/cli/commands_alert_rules.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "shared/status/status.h"

namespace datamesh::cli {
namespace {

using nlohmann::json;

// Rule files are small; a larger file is most likely the wrong one.
constexpr size_t kMaxRuleFileBytes = 256 << 10;

std::string RuleField(const json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key)) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

// "RULE_KIND_RATE_OF_CHANGE" -> "rate_of_change".
std::string RuleKindName(const json& rule) {
  std::string kind = RuleField(rule, "kind");
  if (kind.rfind("RULE_KIND_", 0) == 0) kind = kind.substr(10);
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return kind;
}

absl::Status ListRules(Context& ctx, ApiClient& api) {
  ASSIGN_OR_RETURN(json answer, api.Call("GET", "/monitoring/alert-rules"));
  if (ctx.global.json) return ctx.PrintJson(answer);
  std::vector<std::vector<std::string>> rows;
  for (const json& r : answer.value("rules", json::array())) {
    const bool shipped = r.value("readOnly", false);
    std::string source = shipped ? "shipped (" + RuleField(r, "group") + ")" : "admin";
    if (!r.value("enabled", false)) source += ", disabled";
    const std::string expr = RuleField(r, "expr").empty() ? RuleField(r, "metric") : RuleField(r, "expr");
    rows.push_back({RuleField(r, "id"), RuleField(r, "name"), RuleKindName(r), RuleField(r, "severity"), source,
                    expr});
  }
  PrintTable(ctx.out, {"ID", "NAME", "KIND", "SEVERITY", "SOURCE", "EXPR"}, rows);
  return absl::OkStatus();
}

absl::Status AddRule(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  std::optional<std::string> path = args.Value("f");
  if (!path) path = args.Value("file");
  if (!path) return absl::InvalidArgumentError("usage: datamesh alerts rules add -f rule.yml");
  std::ifstream in(*path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", *path));
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxRuleFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(*path, " is larger than 256 KiB"));
  }
  const json body = {{"ruleYaml", text.str()}};
  ASSIGN_OR_RETURN(json rule, api.Call("POST", "/monitoring/alert-rules", &body));
  if (ctx.global.json) return ctx.PrintJson(rule);
  ctx.Print(absl::StrCat("rule ", RuleField(rule, "name"), " added (id ", RuleField(rule, "id"), ", ",
                         RuleKindName(rule), ")"));
  return absl::OkStatus();
}

absl::Status RemoveRule(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  if (args.positionals.size() != 3) {
    return absl::InvalidArgumentError("usage: datamesh alerts rules rm <rule id>");
  }
  RETURN_IF_ERROR(
      api.Call("DELETE", absl::StrCat("/monitoring/alert-rules/", args.positionals[2])).status());
  ctx.Print(absl::StrCat("rule ", args.positionals[2], " deleted"));
  return absl::OkStatus();
}

}  // namespace

absl::Status AlertRules(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  const std::string action = args.positionals.size() > 1 ? args.positionals[1] : "list";
  if (action == "list") return ListRules(ctx, api);
  if (action == "add") return AddRule(ctx, api, args);
  if (action == "rm") return RemoveRule(ctx, api, args);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown alerts rules action \"", action, "\": list, add or rm"));
}

}  // namespace datamesh::cli
