// s3-keys: the caller's S3 access keys (docs/API.md `/auth/s3-keys`), for the S3 endpoint
// (docs/S3.md) and the tools that speak it (aws, rclone, s3cmd, boto3).
#include "absl/strings/str_cat.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"

namespace datamesh::cli {
namespace {

using nlohmann::json;

absl::Status Create(Context& ctx, ApiClient& api, const std::string& name) {
  const json body = {{"name", name}};
  ASSIGN_OR_RETURN(json answer, api.Call("POST", "/auth/s3-keys", &body));
  if (ctx.global.json) return ctx.PrintJson(answer);
  ctx.Print(absl::StrCat("S3 key \"", JsonStr(answer, "name"), "\"\n",
                         "access key id:     ", JsonStr(answer, "accessKeyId"), "\n",
                         "secret access key: ", JsonStr(answer, "secretAccessKey"), "\n",
                         "keep the secret now: it is never shown again\n",
                         "(aws configure, rclone config or s3cmd --configure take these two)"));
  return absl::OkStatus();
}

absl::Status List(Context& ctx, ApiClient& api) {
  ASSIGN_OR_RETURN(json answer, api.Call("GET", "/auth/s3-keys"));
  if (ctx.global.json) return ctx.PrintJson(answer);
  std::vector<std::vector<std::string>> rows;
  for (const json& k : answer.value("s3Keys", json::array())) {
    const std::string used = JsonStr(k, "lastUsedAt");
    rows.push_back({JsonStr(k, "accessKeyId"), JsonStr(k, "createdAt"),
                    used.empty() ? "never" : used, JsonStr(k, "name")});
  }
  PrintTable(ctx.out, {"ACCESS KEY ID", "CREATED", "LAST USED", "NAME"}, rows);
  return absl::OkStatus();
}

absl::Status S3Keys(Context& ctx, const ParsedArgs& args) {
  const std::string sub = args.positionals.empty() ? "" : args.positionals[0];
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  if (sub == "create" && args.positionals.size() == 2) return Create(ctx, api, args.positionals[1]);
  if (sub == "list" && args.positionals.size() == 1) return List(ctx, api);
  if (sub == "revoke" && args.positionals.size() == 2) {
    const std::string& id = args.positionals[1];
    RETURN_IF_ERROR(api.Call("DELETE", "/auth/s3-keys/" + api.Escape(id)).status());
    if (ctx.global.json) return ctx.PrintJson({{"revoked", id}});
    ctx.Print("revoked S3 key " + id);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "use 's3-keys create <name>', 's3-keys list' or 's3-keys revoke <access-key-id>' (see "
      "'datamesh s3-keys --help')");
}

}  // namespace

std::vector<Command> S3KeyCommands() {
  return {{"s3-keys", "manage S3 access keys (create | list | revoke)",
           "datamesh s3-keys create <name>            create an S3 key pair (secret shown once)\n"
           "datamesh s3-keys list                     list S3 keys\n"
           "datamesh s3-keys revoke <access-key-id>   revoke an S3 key at once",
           CommandSpec{.min_positionals = 1, .max_positionals = 2}, S3Keys}};
}

}  // namespace datamesh::cli
