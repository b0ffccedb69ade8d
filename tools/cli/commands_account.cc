// register, login, logout, whoami, usage, keys, recovery-code, reset-password: the /auth
// routes of docs/API.md.
#include "absl/strings/str_cat.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"
#include "tools/cli/password_input.h"
#include "tools/cli/progress.h"

namespace datamesh::cli {
namespace {

using nlohmann::json;

absl::StatusOr<std::string> Username(const ParsedArgs& args) {
  if (!args.positionals.empty()) return args.positionals[0];
  if (std::optional<std::string> u = args.Value("username")) return *u;
  return absl::InvalidArgumentError("give the username: datamesh login <username>");
}

absl::Status Register(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(std::string username, Username(args));
  std::optional<std::string> email = args.Value("email");
  if (!email) return absl::InvalidArgumentError("--email is required");
  ASSIGN_OR_RETURN(std::string password, ReadPassword(args.Has("password-stdin"), "Password: "));
  const json body = {{"username", username}, {"email", *email}, {"password", password}};
  ASSIGN_OR_RETURN(json answer, ctx.Anonymous().Call("POST", "/auth/register", &body));
  if (ctx.global.json) return ctx.PrintJson(answer);
  ctx.Print(absl::StrCat("registered ", username, " (id ", JsonStr(answer["user"], "id"),
                         "); now run 'datamesh login ", username, "'"));
  return absl::OkStatus();
}

absl::Status Login(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(std::string username, Username(args));
  ASSIGN_OR_RETURN(std::string password, ReadPassword(args.Has("password-stdin"), "Password: "));
  const json body = {{"username", username}, {"password", password}};
  ASSIGN_OR_RETURN(json answer, ctx.Anonymous().Call("POST", "/auth/login", &body));
  const std::string token = JsonStr(answer, "token");
  if (token.empty()) return absl::UnavailableError("the server's login answer has no token");
  RETURN_IF_ERROR(ctx.config.SaveCredentials({ctx.global.endpoint, token, username}));
  if (ctx.global.json) {
    answer.erase("token");  // the secret stays in the credentials file
    return ctx.PrintJson(answer);
  }
  ctx.Print(absl::StrCat("logged in as ", username, " (session until ",
                         JsonStr(answer, "expiresAt"), ")"));
  return absl::OkStatus();
}

absl::Status Logout(Context& ctx, const ParsedArgs&) {
  absl::StatusOr<ApiClient> api = ctx.Authed();
  if (!api.ok()) return api.status();
  absl::StatusOr<json> answer = api->Call("POST", "/auth/logout");
  // The local token goes whatever the server says: an expired token is as good as logged out.
  RETURN_IF_ERROR(ctx.config.DeleteCredentials());
  if (!answer.ok() && !absl::IsUnauthenticated(answer.status())) return answer.status();
  if (ctx.global.json) return ctx.PrintJson({{"loggedOut", true}});
  ctx.Print("logged out");
  return absl::OkStatus();
}

absl::Status Whoami(Context& ctx, const ParsedArgs&) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  ASSIGN_OR_RETURN(json answer, api.Call("GET", "/auth/profile"));
  const json& user = answer["user"];
  if (ctx.global.json) return ctx.PrintJson(user);
  ctx.Print(absl::StrCat(JsonStr(user, "username"), " <", JsonStr(user, "email"), ">  role ",
                         JsonStr(user, "role"), ", tier ", JsonStr(user, "tier"), ", id ",
                         JsonStr(user, "id"), ", at ", ctx.global.endpoint));
  return absl::OkStatus();
}

std::string Limit(const json& limits, const std::string& key, bool bytes) {
  if (!limits.is_object() || !limits.contains(key)) return "unlimited";
  const uint64_t v = JsonU64(limits, key);
  return bytes ? FormatBytes(v) : std::to_string(v);
}

absl::Status Usage(Context& ctx, const ParsedArgs&) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  ASSIGN_OR_RETURN(json answer, api.Call("GET", "/auth/profile"));
  if (ctx.global.json) {
    return ctx.PrintJson({{"usage", answer["usage"]}, {"limits", answer["limits"]}});
  }
  const json& usage = answer["usage"];
  const json& limits = answer["limits"];
  PrintTable(ctx.out, {"WHAT", "USED", "LIMIT"},
             {{"storage", FormatBytes(JsonU64(usage, "storageBytes")),
               Limit(limits, "storageBytes", true)},
              {"bandwidth this month", FormatBytes(JsonU64(usage, "bandwidthBytesMonth")),
               Limit(limits, "bandwidthBytesMonth", true)},
              {"API calls this hour", std::to_string(JsonU64(usage, "apiCallsHour")),
               Limit(limits, "apiCallsHour", false)}});
  return absl::OkStatus();
}

absl::Status Keys(Context& ctx, const ParsedArgs& args) {
  const std::string sub = args.positionals.empty() ? "" : args.positionals[0];
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  if (sub == "create" && args.positionals.size() == 2) {
    const json body = {{"name", args.positionals[1]}};
    ASSIGN_OR_RETURN(json answer, api.Call("POST", "/auth/api-keys", &body));
    if (ctx.global.json) return ctx.PrintJson(answer);
    ctx.Print(absl::StrCat("API key ", JsonStr(answer, "id"), " (", JsonStr(answer, "name"), "):\n",
                           JsonStr(answer, "key"), "\nkeep it now: it is never shown again"));
    return absl::OkStatus();
  }
  if (sub == "list" && args.positionals.size() == 1) {
    ASSIGN_OR_RETURN(json answer, api.Call("GET", "/auth/api-keys"));
    if (ctx.global.json) return ctx.PrintJson(answer);
    std::vector<std::vector<std::string>> rows;
    for (const json& k : answer.value("apiKeys", json::array())) {
      const std::string used = JsonStr(k, "lastUsedAt");
      rows.push_back({JsonStr(k, "id"), JsonStr(k, "createdAt"), used.empty() ? "never" : used,
                      JsonStr(k, "name")});
    }
    PrintTable(ctx.out, {"ID", "CREATED", "LAST USED", "NAME"}, rows);
    return absl::OkStatus();
  }
  if (sub == "revoke" && args.positionals.size() == 2) {
    RETURN_IF_ERROR(
        api.Call("DELETE", "/auth/api-keys/" + api.Escape(args.positionals[1])).status());
    if (ctx.global.json) return ctx.PrintJson({{"revoked", args.positionals[1]}});
    ctx.Print("revoked API key " + args.positionals[1]);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "use 'keys create <name>', 'keys list' or 'keys revoke <id>' (see 'datamesh keys --help')");
}

absl::Status RecoveryCode(Context& ctx, const ParsedArgs& args) {
  const std::string action = args.positionals.empty() ? "status" : args.positionals[0];
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  if (action == "status") {
    ASSIGN_OR_RETURN(json answer, api.Call("GET", "/auth/recovery-code"));
    if (ctx.global.json) return ctx.PrintJson(answer);
    const bool exists = answer.value("exists", false);
    ctx.Print(exists ? absl::StrCat("recovery code made ", JsonStr(answer, "createdAt"))
                     : "no recovery code: make one with 'datamesh recovery-code create'");
    return absl::OkStatus();
  }
  if (action != "create") {
    return absl::InvalidArgumentError("use 'recovery-code create' or 'recovery-code status'");
  }
  ASSIGN_OR_RETURN(std::string password,
                   ReadPassword(args.Has("password-stdin"), "Current password: "));
  const json body = {{"currentPassword", password}};
  ASSIGN_OR_RETURN(json answer, api.Call("POST", "/auth/recovery-code", &body));
  if (ctx.global.json) return ctx.PrintJson(answer);
  ctx.Print(absl::StrCat(JsonStr(answer, "recoveryCode"),
                         "\n  Write this recovery code down and keep it away from this machine: it is "
                         "shown only now,\n  replaces any earlier code, and is the only way to set a "
                         "new password if you forget yours\n  (datamesh reset-password)."));
  return absl::OkStatus();
}

absl::Status ResetPassword(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(std::string username, Username(args));
  const bool from_stdin = args.Has("password-stdin");
  ASSIGN_OR_RETURN(std::string code, ReadPassword(from_stdin, "Recovery code: "));
  ASSIGN_OR_RETURN(std::string password, ReadPassword(from_stdin, "New password: "));
  const json body = {{"username", username}, {"recoveryCode", code}, {"newPassword", password}};
  ASSIGN_OR_RETURN(json answer, ctx.Anonymous().Call("POST", "/auth/password/reset", &body));
  if (ctx.global.json) return ctx.PrintJson({{"reset", true}});
  ctx.Print(absl::StrCat("new password set for ", username,
                         "; the recovery code is used up: log in, then make a new one"));
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> AccountCommands() {
  const CommandSpec password{.value_options = {"username", "email"},
                             .bool_options = {"password-stdin"},
                             .max_positionals = 1};
  const CommandSpec none{.max_positionals = 0};
  return {
      {"register", "create an account",
       "datamesh register <username> --email <address> [--password-stdin]\n"
       "  Creates an account. The password (8+ characters) is read from the terminal without\n"
       "  echo, or from the first line of stdin with --password-stdin.",
       password, Register},
      {"login", "log in and keep the session token",
       "datamesh login <username> [--password-stdin]\n"
       "  Logs in; the session token is saved in <config-dir>/credentials (mode 0600).\n"
       "  The password is read from the terminal without echo, or from the first line of\n"
       "  stdin with --password-stdin.",
       password, Login},
      {"logout", "end the session and forget the token",
       "datamesh logout\n  Ends the session on the server and deletes the saved token.", none,
       Logout},
      {"whoami", "show the logged-in user",
       "datamesh whoami\n  Shows the user the saved token belongs to (exit 3 when not logged in).",
       none, Whoami},
      {"usage", "storage, bandwidth and API usage against the tier's limits",
       "datamesh usage\n  Shows usage and limits (GET /auth/profile).", none, Usage},
      {"keys", "manage API keys (create | list | revoke)",
       "datamesh keys create <name>   create an API key (shown once)\n"
       "datamesh keys list            list API keys\n"
       "datamesh keys revoke <id>     revoke an API key",
       CommandSpec{.min_positionals = 1, .max_positionals = 2}, Keys},
      {"recovery-code", "the way back if you forget your password (create | status)",
       "datamesh recovery-code create [--password-stdin]\n"
       "  Makes a recovery code (shown once; replaces any earlier one). Needs the current\n"
       "  password, read from the terminal without echo or from stdin.\n"
       "datamesh recovery-code status\n  Says whether you have one, and since when.",
       CommandSpec{.bool_options = {"password-stdin"}, .max_positionals = 1}, RecoveryCode},
      {"reset-password", "set a new password with your recovery code",
       "datamesh reset-password <username> [--password-stdin]\n"
       "  Asks for the recovery code and a new password (8+ characters), on the terminal\n"
       "  without echo, or as the first two lines of stdin with --password-stdin. Your files\n"
       "  stay readable; the code is used up and every session ends.",
       password, ResetPassword},
  };
}

}  // namespace datamesh::cli
