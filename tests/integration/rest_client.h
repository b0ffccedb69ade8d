// One user's REST client for whole-stack fault tests, driving the gateway with the curl binary
// as a user's client would. Uploads and downloads are streamed both ways: an upload's body is
// generated (pattern_content.h) while curl sends it (chunked), a download's body is checked
// piece by piece as it arrives; a callback sees the progress, so a test can kill a process in
// the middle of either. JSON calls go through e2e::CurlHttp.
//
// What a client can be shown matters here: a download answered 200 whose body ended short is
// an error curl reports (18: the body ended before its Content-Length, 56: connection reset),
// never a complete answer.
//
// Thread-compatible: one RestClient per thread (it writes scratch files into its own folder).
// Uploads ignore SIGPIPE process-wide: a curl that exits early must not end the test.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/e2e/e2e_util.h"
#include "tests/integration/pattern_content.h"

namespace datamesh::integration {

struct DownloadOutcome {
  int curl_exit = -1;                // 0: curl saw a whole HTTP exchange; else curl's error code
  int http_status = 0;               // 0 when no status line arrived
  uint64_t bytes = 0;                // body bytes of a 200 received
  std::optional<uint64_t> mismatch;  // offset of the first body byte that differed
  std::string sha256;                // of the body of a 200
  std::string error_body;            // the body of any other answer
  std::string curl_error;            // what curl printed

  // The client was shown an error: curl failed or the status was not 200.
  bool VisibleError() const { return curl_exit != 0 || http_status != 200; }
  // The whole content, byte-identical, answered as complete.
  bool Identical(uint64_t seed, uint64_t size) const {
    return !VisibleError() && !mismatch && bytes == size && sha256 == PatternSha256Hex(seed, size);
  }
  std::string Describe() const {
    return absl::StrCat("curl exit ", curl_exit, ", HTTP ", http_status, ", ", bytes, " bytes",
                        mismatch ? absl::StrCat(", differs at ", *mismatch) : "", ", ",
                        error_body.substr(0, 200), " ", curl_error.substr(0, 200));
  }
};

struct UploadOutcome {
  int curl_exit = -1;
  int http_status = 0;
  uint64_t bytes_sent = 0;  // body bytes handed to curl
  std::string body;         // the answer
  std::string curl_error;

  // The user was told the file is stored.
  bool Acknowledged() const { return curl_exit == 0 && http_status == 201; }
  // {"file": File} of a 201, {"error": ...} otherwise.
  std::string FileField(const std::string& key) const {
    if (body.empty() || body[0] != '{') return "";
    return e2e::Str(e2e::Obj(e2e::ParseJson(body), "file"), key);
  }
  std::string ErrorCode() const {
    if (body.empty() || body[0] != '{') return "";
    return e2e::Str(e2e::Obj(e2e::ParseJson(body), "error"), "code");
  }
  // "201", "503 STORAGE_UNAVAILABLE", "curl 52", ...: how the upload ended, for tallies.
  std::string Kind() const {
    if (curl_exit != 0 && http_status == 0) return absl::StrCat("curl ", curl_exit);
    std::string kind = absl::StrCat(http_status);
    if (const std::string code = ErrorCode(); !code.empty()) absl::StrAppend(&kind, " ", code);
    if (curl_exit != 0) absl::StrAppend(&kind, " (curl ", curl_exit, ")");
    return kind;
  }
  std::string Describe() const {
    return absl::StrCat("curl exit ", curl_exit, ", HTTP ", http_status, ", ", bytes_sent,
                        " bytes sent, ", body.substr(0, 300), " ", curl_error.substr(0, 200));
  }
};

class RestClient {
 public:
  // `gateway` is its base URL (http://127.0.0.1:PORT); `token` a session token or API key.
  RestClient(std::string gateway, std::filesystem::path scratch, std::string token = "")
      : gateway_(std::move(gateway)), scratch_(std::move(scratch)), token_(std::move(token)) {
    std::filesystem::create_directories(scratch_);
  }
  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& token() const { return token_; }

  // One JSON call to /api/v1`path`, with `json` as the body when not empty.
  e2e::Reply Json(const std::string& method, const std::string& path,
                  const std::string& json = "") const {
    std::vector<std::string> args = {"--max-time 60"};
    if (!json.empty()) {
      args.push_back("-H 'Content-Type: application/json'");
      args.push_back("--data-binary " + e2e::Quote(json));
    }
    return e2e::CurlHttp(scratch_).Call(method, gateway_ + "/api/v1" + path, args, token_);
  }

  // Streams `size` bytes of the content `seed` as file `name`; `on_sent` sees the bytes handed
  // to curl so far after each MiB.
  UploadOutcome Upload(const std::string& name, uint64_t seed, uint64_t size,
                       const std::function<void(uint64_t)>& on_sent = {}, int max_seconds = 120) {
    static const bool sigpipe_ignored = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
    (void)sigpipe_ignored;
    const auto body = scratch_ / "upload-answer.json", err = scratch_ / "upload-err.txt";
    const auto head = scratch_ / "upload-head.txt";
    std::filesystem::remove(body);
    std::filesystem::remove(head);
    // -T - sends stdin chunked as it comes; `Expect:` skips curl's wait for 100-continue.
    const std::string cmd =
        absl::StrCat("curl -sS --max-time ", max_seconds, " -X POST -T - -H 'Expect:'",
                     " -H 'Content-Type: application/octet-stream'", Auth(), " -o ",
                     e2e::Quote(body.string()), " -D ", e2e::Quote(head.string()), " ",
                     e2e::Quote(absl::StrCat(gateway_, "/api/v1/files?name=", name)), " 2> ",
                     e2e::Quote(err.string()));
    UploadOutcome out;
    FILE* pipe = popen(cmd.c_str(), "w");
    if (pipe == nullptr) return out;
    for (uint64_t at = 0; at < size; at += kPatternMiB) {
      const std::string piece = PatternBytes(seed, at, std::min(kPatternMiB, size - at));
      if (fwrite(piece.data(), 1, piece.size(), pipe) != piece.size()) break;  // curl ended
      out.bytes_sent += piece.size();
      if (on_sent) on_sent(out.bytes_sent);
    }
    out.curl_exit = ExitCode(pclose(pipe));
    out.http_status = LastStatus(e2e::ReadFile(head));
    out.body = e2e::ReadFile(body);
    out.curl_error = e2e::ReadFile(err);
    return out;
  }

  // Downloads file `id` and checks it against the content `seed` as it arrives; `on_bytes`
  // sees the body bytes received so far after each read.
  DownloadOutcome Download(const std::string& id, uint64_t seed,
                           const std::function<void(uint64_t)>& on_bytes = {},
                           int max_seconds = 120) const {
    const auto err = scratch_ / "download-err.txt";
    // -i puts the header before the body on stdout: the status is known before any body byte.
    const std::string cmd = absl::StrCat("curl -sS -i --max-time ", max_seconds, Auth(), " ",
                                         e2e::Quote(absl::StrCat(gateway_, "/api/v1/files/", id)),
                                         " 2> ", e2e::Quote(err.string()));
    DownloadOutcome out;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) return out;
    PatternChecker checker(seed);
    std::string head;
    bool in_body = false;
    std::string buf(256 << 10, '\0');
    for (size_t n; (n = fread(buf.data(), 1, buf.size(), pipe)) > 0;) {
      std::string_view piece(buf.data(), n);
      if (!in_body) {
        head.append(piece);
        const size_t end = head.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        out.http_status = LastStatus(head.substr(0, end + 2));
        piece = std::string_view(head).substr(end + 4);
        in_body = true;
      }
      if (out.http_status != 200) {
        out.error_body.append(piece);
        continue;
      }
      checker.Add(piece);
      if (on_bytes) on_bytes(checker.bytes());
    }
    out.curl_exit = ExitCode(pclose(pipe));
    out.bytes = checker.bytes();
    out.mismatch = checker.first_mismatch();
    out.sha256 = checker.Sha256Hex();
    out.curl_error = e2e::ReadFile(err);
    return out;
  }

 private:
  std::string Auth() const {
    return token_.empty() ? "" : " -H " + e2e::Quote("Authorization: Bearer " + token_);
  }
  static int ExitCode(int wait_status) {
    return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  }
  // The code of the last status line in a header dump (after any 100 Continue), or 0.
  static int LastStatus(const std::string& head) {
    int code = 0;
    for (size_t at = head.find("HTTP/"); at != std::string::npos; at = head.find("\nHTTP/", at)) {
      if (head[at] == '\n') ++at;
      const size_t space = head.find(' ', at);
      int parsed = 0;
      if (space != std::string::npos && absl::SimpleAtoi(head.substr(space + 1, 3), &parsed)) {
        code = parsed;
      }
      ++at;
    }
    return code;
  }

  std::string gateway_;
  std::filesystem::path scratch_;
  std::string token_;
};

}  // namespace datamesh::integration
