// invoices, paystubs: a user's monthly invoices (list, show with lines, pay from the token
// account) and an operator's pay per epoch (docs/API.md /governance/invoices, /epochs).
// Amounts are shown in tokens (token_amount.h).
#include "absl/strings/str_cat.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"
#include "tools/cli/token_amount.h"

namespace datamesh::cli {
namespace {

using nlohmann::json;

std::string Tokens(const json& j, const char* key) { return FormatTokens(JsonU64(j, key)); }

absl::Status ListInvoices(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  std::string path = "/governance/invoices?limit=100";
  if (std::optional<std::string> month = args.Value("month")) {
    absl::StrAppend(&path, "&month=", api.Escape(*month));
  }
  if (std::optional<std::string> user = args.Value("user")) {
    absl::StrAppend(&path, "&user=", api.Escape(*user));
  }
  if (std::optional<std::string> cursor = args.Value("cursor")) {
    absl::StrAppend(&path, "&cursor=", api.Escape(*cursor));
  }
  ASSIGN_OR_RETURN(json answer, api.Call("GET", path));
  if (ctx.global.json) return ctx.PrintJson(answer);
  std::vector<std::vector<std::string>> rows;
  for (const json& inv : answer.value("invoices", json::array())) {
    rows.push_back({JsonStr(inv, "id"), JsonStr(inv, "month"), JsonStr(inv, "userId"),
                    JsonStr(inv, "tier"), Tokens(inv, "total"), JsonStr(inv, "state")});
  }
  PrintTable(ctx.out, {"ID", "MONTH", "USER", "TIER", "TOKENS", "STATE"}, rows);
  if (!JsonStr(answer, "nextCursor").empty()) {
    ctx.Warn("more: repeat with --cursor " + JsonStr(answer, "nextCursor"));
  }
  return absl::OkStatus();
}

void PrintInvoice(Context& ctx, const json& inv) {
  ctx.Print(absl::StrCat("invoice ", JsonStr(inv, "id"), "  ", JsonStr(inv, "month"), "  ",
                         JsonStr(inv, "userId"), " (", JsonStr(inv, "tier"), ")  ",
                         JsonStr(inv, "state")));
  std::vector<std::vector<std::string>> rows;
  for (const json& line : inv.value("lines", json::array())) {
    rows.push_back({JsonStr(line, "kind"),
                    absl::StrCat(JsonStr(line, "quantity"), " ", JsonStr(line, "unit")),
                    Tokens(line, "unitPrice"), Tokens(line, "amount")});
  }
  rows.push_back({"total", "", "", Tokens(inv, "total")});
  PrintTable(ctx.out, {"LINE", "QUANTITY", "UNIT PRICE", "TOKENS"}, rows);
}

absl::Status Invoices(Context& ctx, const ParsedArgs& args) {
  const std::vector<std::string>& p = args.positionals;
  const std::string sub = p.empty() ? "list" : p[0];
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  if (sub == "list" && p.size() <= 1) return ListInvoices(ctx, api, args);
  if (sub == "show" && p.size() == 2) {
    ASSIGN_OR_RETURN(json answer, api.Call("GET", "/governance/invoices/" + api.Escape(p[1])));
    if (ctx.global.json) return ctx.PrintJson(answer);
    PrintInvoice(ctx, answer.value("invoice", json::object()));
    return absl::OkStatus();
  }
  if (sub == "pay" && p.size() == 2) {
    ASSIGN_OR_RETURN(json answer,
                     api.Call("POST", "/governance/invoices/" + api.Escape(p[1]) + "/pay"));
    if (ctx.global.json) return ctx.PrintJson(answer);
    const json inv = answer.value("invoice", json::object());
    ctx.Print(answer.value("alreadyPaid", false)
                  ? absl::StrCat("invoice ", JsonStr(inv, "id"), " was already paid; nothing moved")
                  : absl::StrCat("paid ", Tokens(inv, "total"), " tokens for invoice ",
                                 JsonStr(inv, "id")));
    ctx.Print("available now " + Tokens(answer.value("balance", json::object()), "available"));
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "use 'invoices [list] [--month YYYY-MM] [--user U]', 'invoices show <id>' or "
      "'invoices pay <id>'");
}

absl::Status Paystubs(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  std::string path =
      "/governance/operators/" + api.Escape(args.positionals[0]) + "/paystubs?limit=100";
  if (std::optional<std::string> cursor = args.Value("cursor")) {
    absl::StrAppend(&path, "&cursor=", api.Escape(*cursor));
  }
  ASSIGN_OR_RETURN(json answer, api.Call("GET", path));
  if (ctx.global.json) return ctx.PrintJson(answer);
  std::vector<std::vector<std::string>> rows;
  for (const json& s : answer.value("paystubs", json::array())) {
    rows.push_back({absl::StrCat(JsonU64(s, "epoch")),
                    absl::StrCat(JsonU64(s, "uptimePpm") / 10000, "%"), Tokens(s, "earned"),
                    Tokens(s, "paid"), Tokens(s, "held"), Tokens(s, "released"),
                    Tokens(s, "forfeited"), Tokens(s, "slashed")});
  }
  PrintTable(ctx.out,
             {"EPOCH", "UPTIME", "EARNED", "PAID", "HELD", "RELEASED", "FORFEITED", "SLASHED"},
             rows);
  if (!JsonStr(answer, "nextCursor").empty()) {
    ctx.Warn("more: repeat with --cursor " + JsonStr(answer, "nextCursor"));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> InvoiceCommands() {
  return {
      {"invoices", "your monthly invoices (list | show | pay)",
       "datamesh invoices [list] [--month YYYY-MM] [--user USER] [--cursor C]\n"
       "datamesh invoices show <invoice-id>\n"
       "datamesh invoices pay <invoice-id>\n"
       "  One invoice per month: storage (GB-months), egress (GB), API calls (thousands) and\n"
       "  the tier's subscription, priced by governance. 'pay' moves the total from your\n"
       "  available tokens, once; a balance too low is refused (exit code for conflict) and\n"
       "  moves nothing. --user is for admins.",
       CommandSpec{.value_options = {"month", "user", "cursor"}, .max_positionals = 2}, Invoices},
      {"paystubs", "an operator's pay per epoch",
       "datamesh paystubs <operator-id> [--cursor C]\n"
       "  Per closed epoch: mean uptime, what the operator earned, was paid now, had held back,\n"
       "  got released, forfeited and had slashed (tokens). Only the operator's account or an\n"
       "  admin may read them.",
       CommandSpec{.value_options = {"cursor"}, .min_positionals = 1, .max_positionals = 1},
       Paystubs},
  };
}

}  // namespace datamesh::cli
