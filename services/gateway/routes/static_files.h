// StaticFiles: serves a folder at "/" (GET and HEAD) for the web UI: "/" and any folder answer
// its index.html; Content-Type comes from the extension; ETag and Last-Modified come from the
// file's size and modification time (If-None-Match answers 304).
//
// Only files inside the folder are served: dot segments (also percent-encoded ones, which the
// URL parser refuses), encoded slashes that would form them, hidden names (a leading '.'), and
// symlinks whose target lies outside the folder all answer 404, as does anything missing or
// unreadable. Files are streamed in 64 KiB pieces, never loaded whole.
//
// Thread safety: immutable after Open; Serve may run on many threads at once.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/gateway/http/request.h"
#include "services/gateway/http/router.h"

namespace datamesh::gateway {

class StaticFiles {
 public:
  // NOT_FOUND when `root` is not an existing folder.
  static absl::StatusOr<StaticFiles> Open(const std::string& root);

  // Answers `request` for the decoded path `relative` ("" for the root; segments joined by '/').
  void Serve(std::string_view relative, const http::Request& request,
             http::ResponseWriter& w) const;

  // Registers GET /{path*} (HEAD included); `files` must outlive the router.
  static void AddRoutes(http::Router& router, const StaticFiles& files);

 private:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

  // The canonical file for `relative`, or NOT_FOUND.
  absl::StatusOr<std::filesystem::path> Resolve(std::string_view relative) const;

  std::filesystem::path root_;  // canonical
};

// The Content-Type for a file name by its extension; application/octet-stream when unknown.
std::string_view ContentTypeFor(std::string_view filename);

}  // namespace datamesh::gateway
