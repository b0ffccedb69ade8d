#include "tools/cli/file_lookup.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/cli/progress.h"

namespace datamesh::cli {

using nlohmann::json;

absl::Status ForEachFile(ApiClient& api, const std::string& prefix,
                         const std::function<bool(const json&)>& visit) {
  std::string cursor;
  do {
    std::string path = "/files?limit=1000";
    if (!prefix.empty()) absl::StrAppend(&path, "&prefix=", api.Escape(prefix));
    if (!cursor.empty()) absl::StrAppend(&path, "&cursor=", api.Escape(cursor));
    absl::StatusOr<json> page = api.Call("GET", path);
    if (!page.ok()) return page.status();
    for (const json& file : page->value("files", json::array())) {
      if (!visit(file)) return absl::OkStatus();
    }
    cursor = JsonStr(*page, "nextCursor");
  } while (!cursor.empty());
  return absl::OkStatus();
}

absl::StatusOr<json> FindFile(ApiClient& api, const std::string& id_or_name) {
  // Names first: the prefix narrows the listing to a few pages at most.
  std::vector<json> named;
  absl::Status s = ForEachFile(api, id_or_name, [&](const json& file) {
    if (JsonStr(file, "name") == id_or_name) named.push_back(file);
    return true;
  });
  if (!s.ok()) return s;
  if (named.size() > 1) {
    std::vector<std::string> ids;
    for (const json& f : named) ids.push_back(JsonStr(f, "id"));
    return absl::InvalidArgumentError(absl::StrCat(named.size(), " files are named '", id_or_name,
                                                   "'; use an id: ", absl::StrJoin(ids, ", ")));
  }
  if (named.size() == 1) return named[0];
  absl::StatusOr<json> by_id =
      api.Call("GET", absl::StrCat("/files/", api.Escape(id_or_name), "/metadata"));
  if (absl::IsNotFound(by_id.status()) || absl::IsInvalidArgument(by_id.status())) {
    return absl::NotFoundError(absl::StrCat("no file with id or name '", id_or_name, "'"));
  }
  if (!by_id.ok()) return by_id.status();
  return by_id->value("file", json::object());
}

std::string DescribeFile(const json& file) {
  return absl::StrCat(JsonStr(file, "id"), "  ", FormatBytes(JsonU64(file, "size")), "  ",
                      JsonStr(file, "encryption"), "  ", JsonStr(file, "name"));
}

}  // namespace datamesh::cli
