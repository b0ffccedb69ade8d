// put: uploads files and folders (recursively), optionally end-to-end encrypted (e2e_format.h).
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/crypto/random.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"
#include "tools/cli/file_lookup.h"
#include "tools/cli/progress.h"
#include "tools/cli/transfer_io.h"

namespace datamesh::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct PutOptions {
  std::string tags;  // validated "k:v,..." or empty
  std::string content_type;
  bool e2e = false;
  std::string e2e_key;  // loaded once when e2e
};

// (local path, remote name) pairs: a file as itself, a folder as every regular file below it,
// named by its path relative to the folder's parent (or below --name when given).
absl::StatusOr<std::vector<std::pair<fs::path, std::string>>> Expand(
    const std::vector<std::string>& paths, const std::optional<std::string>& name) {
  if (name && paths.size() != 1) {
    return absl::InvalidArgumentError("--name needs exactly one path");
  }
  std::vector<std::pair<fs::path, std::string>> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    const fs::path path(p);
    if (!fs::exists(path, ec)) return absl::NotFoundError(absl::StrCat("no such path: ", p));
    if (!fs::is_directory(path, ec)) {
      out.emplace_back(path, name ? *name : path.filename().string());
      continue;
    }
    const fs::path root = fs::canonical(path, ec);
    const std::string base = name ? *name : root.filename().string();
    std::vector<std::pair<fs::path, std::string>> found;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      found.emplace_back(it->path(),
                         base + "/" + it->path().lexically_relative(root).generic_string());
    }
    if (ec)
      return absl::FailedPreconditionError(absl::StrCat("cannot read ", p, ": ", ec.message()));
    std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.second < b.second; });
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

absl::StatusOr<json> UploadOne(Context& ctx, ApiClient& api, const PutOptions& options,
                               const fs::path& path, const std::string& name) {
  ASSIGN_OR_RETURN(std::unique_ptr<FileSource> file, FileSource::Open(path.string()));
  std::unique_ptr<UploadSource> source = std::move(file);
  if (options.e2e) {
    ASSIGN_OR_RETURN(E2eEncryptor encryptor,
                     E2eEncryptor::Create(options.e2e_key, kE2eDefaultChunkSize));
    source = std::make_unique<E2eSource>(std::move(source), std::move(encryptor));
  }
  ASSIGN_OR_RETURN(std::string upload_id, crypto::RandomToken());
  std::string query = "/files?name=" + api.Escape(name);
  if (!options.tags.empty()) absl::StrAppend(&query, "&tags=", api.Escape(options.tags));
  if (options.e2e) absl::StrAppend(&query, "&encryption=client");
  ProgressBar bar(ShouldShowProgress(source->size(), ctx.global.json), name);
  HttpRequest request;
  request.method = "POST";
  request.upload = source.get();
  request.headers = {"Content-Type: " + options.content_type, "X-Upload-Id: " + upload_id};
  request.progress = [&bar](uint64_t done, uint64_t total) { bar.Update(done, total); };
  ASSIGN_OR_RETURN(HttpResponse response, api.Send(query, std::move(request)));
  RETURN_IF_ERROR(CheckOk(response));
  bar.Finish();
  json answer = json::parse(response.body, nullptr, false);
  if (!answer.is_object() || !answer.contains("file")) {
    return absl::UnavailableError("the server's upload answer is not a file");
  }
  if (options.e2e && JsonStr(answer["file"], "encryption") != "client") {
    ctx.Warn(absl::StrCat(name,
                          ": stored encrypted, but the server did not record it as "
                          "client-encrypted (it lists it as \"",
                          JsonStr(answer["file"], "encryption"), "\")"));
  }
  return answer["file"];
}

absl::Status Put(Context& ctx, const ParsedArgs& args) {
  PutOptions options;
  if (std::optional<std::string> tags = args.Value("tags")) {
    RETURN_IF_ERROR(ParseTagsOption(*tags).status());
    options.tags = *tags;
  }
  options.content_type = args.Value("content-type").value_or("application/octet-stream");
  options.e2e = args.Has("e2e");
  if (args.Value("key-file") && !options.e2e) {
    return absl::InvalidArgumentError("--key-file only applies with --e2e");
  }
  ASSIGN_OR_RETURN(auto files, Expand(args.positionals, args.Value("name")));
  if (files.empty()) return absl::InvalidArgumentError("nothing to upload (empty folder)");
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  if (options.e2e) {
    ASSIGN_OR_RETURN(options.e2e_key,
                     ctx.config.LoadE2eKey(args.Value("key-file").value_or(""), true));
  }
  json uploaded = json::array();
  for (const auto& [path, name] : files) {
    absl::StatusOr<json> file = UploadOne(ctx, api, options, path, name);
    if (!file.ok()) {
      if (ctx.global.json) (void)ctx.PrintJson({{"files", uploaded}});
      return absl::Status(file.status().code(),
                          absl::StrCat(path.string(), ": ", file.status().message()));
    }
    if (!ctx.global.json) ctx.Print("uploaded " + DescribeFile(*file));
    uploaded.push_back(std::move(*file));
  }
  if (ctx.global.json) return ctx.PrintJson({{"files", uploaded}});
  return absl::OkStatus();
}

}  // namespace

Command PutCommand() {
  return {"put", "upload files and folders",
          "datamesh put <path>... [--name NAME] [--tags k:v,...] [--content-type TYPE]\n"
          "                        [--e2e [--key-file FILE]]\n"
          "  Uploads each file; folders are uploaded recursively, each file named by its path\n"
          "  relative to the folder's parent (or below --name). --name renames a single path.\n"
          "  --e2e encrypts on this machine before upload with a 256-bit key only you hold:\n"
          "  <config-dir>/e2e.key (created on first use, mode 0600; back it up: without it the\n"
          "  files cannot be read) or --key-file. The server stores only ciphertext.",
          CommandSpec{.value_options = {"name", "tags", "content-type", "key-file"},
                      .bool_options = {"e2e"},
                      .min_positionals = 1},
          Put};
}

}  // namespace datamesh::cli
