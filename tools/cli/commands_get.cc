// get: downloads a file by id or name, verifying it against its ETag (the SHA-256 of the stored
// bytes) and decrypting end-to-end encrypted content (e2e_format.h). Output appears only once
// complete and verified.
#include <sys/stat.h>

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"
#include "tools/cli/file_lookup.h"
#include "tools/cli/progress.h"
#include "tools/cli/transfer_io.h"

namespace datamesh::cli {
namespace {

using nlohmann::json;

// Hashes what the server sends before passing it on.
class HashingSink : public DownloadSink {
 public:
  HashingSink(DownloadSink* next, crypto::Sha256Hasher hasher)
      : next_(next), hasher_(std::move(hasher)) {}
  absl::Status Write(std::string_view data) override {
    hasher_.Update(data);
    return next_->Write(data);
  }
  absl::StatusOr<std::string> HexDigest() {
    ASSIGN_OR_RETURN(crypto::Sha256Digest digest, hasher_.Finish());
    return crypto::HexEncode(crypto::AsStringView(digest));
  }

 private:
  DownloadSink* next_;
  crypto::Sha256Hasher hasher_;
};

struct Target {
  std::string id;
  std::string name;
};

// The id and name of `id_or_name`: HEAD by id first (cheap), else a lookup by name.
absl::StatusOr<Target> Resolve(ApiClient& api, const std::string& id_or_name) {
  HttpRequest head;
  head.method = "HEAD";
  ASSIGN_OR_RETURN(HttpResponse response, api.Send("/files/" + api.Escape(id_or_name), head));
  if (response.status == 200) {
    return Target{id_or_name, FileNameFromDisposition(response.Header("content-disposition"))};
  }
  if (response.status != 404) return CheckOk(response);
  ASSIGN_OR_RETURN(json file, FindFile(api, id_or_name));
  return Target{JsonStr(file, "id"), JsonStr(file, "name")};
}

// -o, else the name's last segment in the current folder (never silently replaced).
absl::StatusOr<std::string> OutputPath(const ParsedArgs& args, const Target& target) {
  if (std::optional<std::string> out = args.Value("o")) return *out;
  if (std::optional<std::string> out = args.Value("output")) return *out;
  std::string base = std::filesystem::path(target.name).filename().string();
  if (base.empty() || base == "." || base == "..") base = target.id;
  struct stat st {};
  if (::lstat(base.c_str(), &st) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(base, " exists; choose the output with -o"));
  }
  return base;
}

// Ranges address stored bytes; for e2e files those are ciphertext, so refuse rather than
// hand out undecryptable bytes.
absl::Status CheckRangeAllowed(ApiClient& api, const Target& target) {
  HttpRequest probe;
  probe.headers = {"Range: bytes=0-" + std::to_string(kE2eMagic.size() - 1)};
  ASSIGN_OR_RETURN(HttpResponse response, api.Send("/files/" + api.Escape(target.id), probe));
  if (response.status == 416) return absl::OkStatus();  // empty file: the range is refused anyway
  RETURN_IF_ERROR(CheckOk(response));
  if (LooksLikeE2e(response.body)) {
    return absl::InvalidArgumentError(
        "--range is not supported for end-to-end encrypted files; use --raw for the ciphertext");
  }
  return absl::OkStatus();
}

// The ETag (quoted SHA-256) against what arrived, for whole-file answers; other ETags pass.
absl::Status VerifyEtag(const HttpResponse& response, HashingSink& hashing) {
  if (response.status != 200) return absl::OkStatus();
  std::string etag = response.Header("etag");
  if (etag.size() < 2) return absl::OkStatus();
  etag = absl::AsciiStrToLower(etag.substr(1, etag.size() - 2));
  // Only a plain SHA-256 can be checked: an S3 multipart object's ETag is a hash over its
  // parts' hashes ("<hex>-N"), which the bytes alone do not give.
  if (etag.size() != 64 || etag.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::string actual, hashing.HexDigest());
  if (actual != etag) {
    return absl::DataLossError("the downloaded bytes do not match the file's SHA-256");
  }
  return absl::OkStatus();
}

absl::Status Get(Context& ctx, const ParsedArgs& args) {
  std::optional<std::string> range;
  if (std::optional<std::string> r = args.Value("range")) {
    ASSIGN_OR_RETURN(range, ParseRangeOption(*r));
  }
  const bool raw = args.Has("raw");
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  ASSIGN_OR_RETURN(Target target, Resolve(api, args.positionals[0]));
  if (range && !raw) RETURN_IF_ERROR(CheckRangeAllowed(api, target));
  ASSIGN_OR_RETURN(std::string out_path, OutputPath(args, target));
  ASSIGN_OR_RETURN(std::unique_ptr<OutputFileSink> output, OutputFileSink::Create(out_path));
  const std::string key_file = args.Value("key-file").value_or("");
  ContentSink content(
      output.get(), [&] { return ctx.config.LoadE2eKey(key_file, false); },
      raw || range.has_value());
  ASSIGN_OR_RETURN(crypto::Sha256Hasher hasher, crypto::Sha256Hasher::Create());
  HashingSink hashing(&content, std::move(hasher));
  ProgressBar bar(!ctx.global.json, target.name);
  HttpRequest request;
  request.sink = &hashing;
  if (range) request.headers.push_back("Range: " + *range);
  request.progress = [&bar, &ctx](uint64_t done, uint64_t total) {
    if (ShouldShowProgress(total, ctx.global.json)) bar.Update(done, total);
  };
  ASSIGN_OR_RETURN(HttpResponse response,
                   api.Send("/files/" + api.Escape(target.id), std::move(request)));
  RETURN_IF_ERROR(CheckOk(response));
  RETURN_IF_ERROR(VerifyEtag(response, hashing));
  RETURN_IF_ERROR(content.Finish());
  RETURN_IF_ERROR(output->Commit());
  bar.Finish();
  const json result = {{"id", target.id},
                       {"name", target.name},
                       {"output", out_path},
                       {"decrypted", content.decrypted()},
                       {"partial", response.status == 206}};
  if (ctx.global.json) return ctx.PrintJson(result);
  if (out_path != "-") {
    ctx.Print(absl::StrCat("downloaded ", target.name, " to ", out_path,
                           content.decrypted() ? " (decrypted)" : "",
                           response.status == 206 ? " (range)" : ""));
  }
  return absl::OkStatus();
}

}  // namespace

Command GetCommand() {
  return {"get", "download a file",
          "datamesh get <id|name> [-o|--output OUT] [--range a-b] [--raw] [--key-file FILE]\n"
          "  Downloads the file to OUT (\"-\" for stdout; default: the last segment of its name\n"
          "  in the current folder, which must not exist yet). The output appears only when\n"
          "  complete and verified against the file's SHA-256. End-to-end encrypted files are\n"
          "  decrypted with <config-dir>/e2e.key (or --key-file); a wrong key or modified data\n"
          "  exits with 7 and leaves no output file. --range a-b | a- | -n fetches part of a\n"
          "  file (not of e2e files); --raw saves the stored bytes as they are.",
          CommandSpec{.value_options = {"o", "output", "range", "key-file"},
                      .bool_options = {"raw"},
                      .min_positionals = 1,
                      .max_positionals = 1},
          Get};
}

}  // namespace datamesh::cli
