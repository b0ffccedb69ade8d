// ls, rm, stat, mv: listing and metadata of the caller's files (docs/API.md /files).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"
#include "tools/cli/file_lookup.h"
#include "tools/cli/progress.h"

namespace datamesh::cli {
namespace {

using nlohmann::json;

std::vector<std::string> FileRow(const json& f) {
  return {JsonStr(f, "id"), FormatBytes(JsonU64(f, "size")), JsonStr(f, "encryption"),
          JsonStr(f, "createdAt"), JsonStr(f, "name")};
}

absl::Status Ls(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  uint64_t limit = 100;
  if (std::optional<std::string> l = args.Value("limit")) {
    ASSIGN_OR_RETURN(limit, ParsePositive("limit", *l));
    if (limit > 1000) return absl::InvalidArgumentError("--limit is at most 1000");
  }
  std::string prefix = args.Value("prefix").value_or("");
  if (!args.positionals.empty()) prefix = args.positionals[0];
  json files = json::array();
  std::string cursor = args.Value("cursor").value_or("");
  do {
    std::string path = absl::StrCat("/files?limit=", limit);
    if (!prefix.empty()) absl::StrAppend(&path, "&prefix=", api.Escape(prefix));
    if (!cursor.empty()) absl::StrAppend(&path, "&cursor=", api.Escape(cursor));
    ASSIGN_OR_RETURN(json page, api.Call("GET", path));
    for (json& f : page.value("files", json::array())) files.push_back(std::move(f));
    cursor = JsonStr(page, "nextCursor");
  } while (args.Has("all") && !cursor.empty());
  if (ctx.global.json) {
    json answer = {{"files", files}};
    if (!cursor.empty()) answer["nextCursor"] = cursor;
    return ctx.PrintJson(answer);
  }
  std::vector<std::vector<std::string>> rows;
  for (const json& f : files) rows.push_back(FileRow(f));
  PrintTable(ctx.out, {"ID", "SIZE", "ENCRYPTION", "CREATED", "NAME"}, rows);
  if (!cursor.empty()) {
    ctx.Warn(absl::StrCat("more files: use --all, or --cursor ", cursor));
  }
  return absl::OkStatus();
}

absl::Status Rm(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  absl::Status first_error;
  json deleted = json::array();
  for (const std::string& id : args.positionals) {
    absl::Status s = api.Call("DELETE", "/files/" + api.Escape(id)).status();
    if (s.ok()) {
      deleted.push_back(id);
      if (!ctx.global.json) ctx.Print("deleted " + id);
    } else {
      ctx.Warn(absl::StrCat("cannot delete ", id, ": ", s.message()));
      if (first_error.ok()) first_error = s;
    }
  }
  if (ctx.global.json) (void)ctx.PrintJson({{"deleted", deleted}});
  return first_error;
}

absl::Status Stat(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  ASSIGN_OR_RETURN(json file, FindFile(api, args.positionals[0]));
  if (ctx.global.json) return ctx.PrintJson(file);
  std::vector<std::string> tags;
  for (const auto& [k, v] : file.value("tags", json::object()).items()) {
    tags.push_back(absl::StrCat(k, ":", v.is_string() ? v.get<std::string>() : v.dump()));
  }
  const json redundancy = file.value("redundancy", json::object());
  PrintTable(
      ctx.out, {"FIELD", "VALUE"},
      {{"id", JsonStr(file, "id")},
       {"name", JsonStr(file, "name")},
       {"size", absl::StrCat(JsonU64(file, "size"), " (", FormatBytes(JsonU64(file, "size")), ")")},
       {"content type", JsonStr(file, "contentType")},
       {"sha256", JsonStr(file, "sha256")},
       {"encryption", JsonStr(file, "encryption")},
       {"redundancy",
        absl::StrCat(JsonU64(redundancy, "dataShards"), "+", JsonU64(redundancy, "parityShards"))},
       {"tags", absl::StrJoin(tags, ",")},
       {"created", JsonStr(file, "createdAt")},
       {"updated", JsonStr(file, "updatedAt")}});
  return absl::OkStatus();
}

absl::Status Mv(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  const json body = {{"name", args.positionals[1]}};
  ASSIGN_OR_RETURN(
      json answer,
      api.Call("PUT", "/files/" + api.Escape(args.positionals[0]) + "/metadata", &body));
  if (ctx.global.json) return ctx.PrintJson(answer);
  ctx.Print("renamed: " + DescribeFile(answer["file"]));
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> FileCommands() {
  return {
      {"ls", "list your files",
       "datamesh ls [prefix] [--prefix P] [--limit N] [--cursor C] [--all]\n"
       "  Lists files whose name starts with the prefix, one page of --limit (default 100,\n"
       "  at most 1000). --all follows nextCursor to the end; otherwise the cursor of the\n"
       "  next page is printed on stderr.",
       CommandSpec{.value_options = {"prefix", "limit", "cursor"},
                   .bool_options = {"all"},
                   .max_positionals = 1},
       Ls},
      {"rm", "delete files",
       "datamesh rm <id>...\n  Deletes each file; continues past failures and exits with the "
       "first one's code.",
       CommandSpec{.min_positionals = 1}, Rm},
      {"stat", "show a file's metadata",
       "datamesh stat <id|name>\n  Shows the metadata of the file with that id, or the only file "
       "with that name.",
       CommandSpec{.min_positionals = 1, .max_positionals = 1}, Stat},
      {"mv", "rename a file",
       "datamesh mv <id> <new-name>\n  Renames the file (PUT /files/{id}/metadata).",
       CommandSpec{.min_positionals = 2, .max_positionals = 2}, Mv},
  };
}

}  // namespace datamesh::cli
