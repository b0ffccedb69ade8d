// wallet, stake, parameters: the caller's token account, stake and the governable parameters
// (docs/API.md /governance). Amounts are typed and shown in tokens (token_amount.h).
#include <cstdio>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"
#include "tools/cli/token_amount.h"

namespace datamesh::cli {
namespace {

using nlohmann::json;

// Every bucket of a Balance ({"accountId", "available", "staked", ...}), in tokens; the
// unbonding lots' release times follow.
void PrintBalance(Context& ctx, const json& balance) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, value] : balance.items()) {
    if (key == "accountId" || value.is_array() || value.is_object()) continue;
    rows.push_back({key, FormatTokens(JsonU64(balance, key))});
  }
  ctx.Print("account " + JsonStr(balance, "accountId"));
  PrintTable(ctx.out, {"BUCKET", "TOKENS"}, rows);
  for (const json& lot : balance.value("unbondingLots", json::array())) {
    ctx.Print(absl::StrCat("unbonding ", FormatTokens(JsonU64(lot, "amount")), " until ",
                           JsonStr(lot, "releaseAt")));
  }
}

absl::Status AnswerBalance(Context& ctx, const json& answer) {
  if (ctx.global.json) return ctx.PrintJson(answer);
  PrintBalance(ctx, answer.value("balance", json::object()));
  return absl::OkStatus();
}

// The whole statement as the server's CSV, to stdout or -o FILE.
absl::Status ExportCsvStatement(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  HttpRequest request;
  request.method = "GET";
  ASSIGN_OR_RETURN(HttpResponse response,
                   api.Send("/governance/accounts/me/statement?format=csv", std::move(request)));
  RETURN_IF_ERROR(CheckOk(response));
  std::optional<std::string> path = args.Value("o");
  if (!path) path = args.Value("output");
  if (!path) {
    std::fwrite(response.body.data(), 1, response.body.size(), ctx.out);
    return absl::OkStatus();
  }
  std::ofstream file(*path, std::ios::binary | std::ios::trunc);
  file << response.body;
  file.close();
  if (!file) return absl::InternalError(absl::StrCat("cannot write ", *path));
  if (!ctx.global.json) ctx.Print(absl::StrCat("statement written to ", *path));
  return absl::OkStatus();
}

absl::Status PrintStatement(Context& ctx, ApiClient& api, const ParsedArgs& args) {
  if (args.Has("csv")) return ExportCsvStatement(ctx, api, args);
  std::string path = "/governance/accounts/me/entries?limit=";
  if (std::optional<std::string> limit = args.Value("limit")) {
    ASSIGN_OR_RETURN(uint64_t n, ParsePositive("limit", *limit));
    absl::StrAppend(&path, n);
  } else {
    absl::StrAppend(&path, 100);
  }
  if (std::optional<std::string> cursor = args.Value("cursor")) {
    absl::StrAppend(&path, "&cursor=", api.Escape(*cursor));
  }
  ASSIGN_OR_RETURN(json answer, api.Call("GET", path));
  if (ctx.global.json) return ctx.PrintJson(answer);
  std::vector<std::vector<std::string>> rows;
  for (const json& e : answer.value("entries", json::array())) {
    // int64 in the proto JSON mapping: a string (a number is read too).
    int64_t amount = 0;
    if (e.contains("amount") && e["amount"].is_number_integer()) {
      amount = e["amount"].get<int64_t>();
    } else if (!absl::SimpleAtoi(JsonStr(e, "amount"), &amount)) {
      amount = 0;
    }
    rows.push_back({JsonStr(e, "time"), JsonStr(e, "kind"), JsonStr(e, "bucket"),
                    FormatSignedTokens(amount), JsonStr(e, "reason")});
  }
  PrintTable(ctx.out, {"TIME", "KIND", "BUCKET", "TOKENS", "REASON"}, rows);
  if (!JsonStr(answer, "nextCursor").empty()) {
    ctx.Warn("more: repeat with --cursor " + JsonStr(answer, "nextCursor"));
  }
  return absl::OkStatus();
}

absl::Status Wallet(Context& ctx, const ParsedArgs& args) {
  const std::vector<std::string>& p = args.positionals;
  const std::string sub = p.empty() ? "balance" : p[0];
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  if (sub == "balance" && p.size() <= 1) {
    ASSIGN_OR_RETURN(json answer, api.Call("GET", "/governance/accounts/me"));
    return AnswerBalance(ctx, answer);
  }
  if (sub == "statement" && p.size() == 1) return PrintStatement(ctx, api, args);
  if (sub == "transfer" && p.size() == 3) {
    ASSIGN_OR_RETURN(uint64_t micro, ParseTokens(p[2]));
    json body = {{"toAccountId", p[1]}, {"amount", std::to_string(micro)}};
    if (std::optional<std::string> reason = args.Value("reason")) body["reason"] = *reason;
    ASSIGN_OR_RETURN(json answer, api.Call("POST", "/governance/transfers", &body));
    return AnswerBalance(ctx, answer);
  }
  return absl::InvalidArgumentError(
      "use 'wallet balance', 'wallet transfer <account-id> <tokens> [--reason R]' or "
      "'wallet statement [--csv [-o FILE]]'");
}

absl::Status Stake(Context& ctx, const ParsedArgs& args) {
  const std::vector<std::string>& p = args.positionals;
  if (p.size() != 2 || (p[0] != "bond" && p[0] != "unbond")) {
    return absl::InvalidArgumentError("use 'stake bond <tokens>' or 'stake unbond <tokens>'");
  }
  ASSIGN_OR_RETURN(uint64_t micro, ParseTokens(p[1]));
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  const json body = {{"amount", std::to_string(micro)}};
  ASSIGN_OR_RETURN(json answer, api.Call("POST", "/governance/stake/" + p[0], &body));
  return AnswerBalance(ctx, answer);
}

absl::Status Parameters(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  std::string path = "/governance/parameters";
  if (std::optional<std::string> prefix = args.Value("prefix")) {
    absl::StrAppend(&path, "?prefix=", api.Escape(*prefix));
  }
  ASSIGN_OR_RETURN(json answer, api.Call("GET", path));
  if (ctx.global.json) return ctx.PrintJson(answer);
  std::vector<std::vector<std::string>> rows;
  for (const json& param : answer.value("parameters", json::array())) {
    rows.push_back({JsonStr(param, "key"), param.value("value", json()).dump(),
                    JsonStr(param, "owner"), JsonStr(param, "description")});
  }
  PrintTable(ctx.out, {"KEY", "VALUE", "OWNER", "DESCRIPTION"}, rows);
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> WalletCommands() {
  return {
      {"wallet", "your token account (balance | transfer | statement)",
       "datamesh wallet [balance]\n"
       "datamesh wallet transfer <account-id> <tokens> [--reason R]\n"
       "datamesh wallet statement [--limit N] [--cursor C]\n"
       "datamesh wallet statement --csv [-o|--output FILE]\n"
       "  Amounts are tokens with up to 6 decimals (1 token = 1,000,000 micro-tokens). The\n"
       "  statement lists your ledger entries a page at a time; --csv exports all of them (up to\n"
       "  100,000, amounts in micro-tokens).",
       CommandSpec{.value_options = {"reason", "limit", "cursor", "o", "output"},
                   .bool_options = {"csv"},
                   .max_positionals = 3},
       Wallet},
      {"stake", "bond or unbond tokens (voting power, operator collateral)",
       "datamesh stake bond <tokens>\n"
       "datamesh stake unbond <tokens>\n"
       "  Bonded tokens are your voting power when a proposal opens. Unbonded tokens return to\n"
       "  your available balance after the unbonding period and can be slashed until then.",
       CommandSpec{.min_positionals = 2, .max_positionals = 2}, Stake},
      {"parameters", "the governable parameters and their values",
       "datamesh parameters [--prefix PREFIX]\n"
       "  Lists what a parameter_change proposal may set (e.g. --prefix voting.).",
       CommandSpec{.value_options = {"prefix"}, .max_positionals = 0}, Parameters},
  };
}

}  // namespace datamesh::cli
