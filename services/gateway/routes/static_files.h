// StaticFiles: serves a folder at "/" (GET and HEAD) for the web UI: "/" and any folder answer
// its index.html; Content-Type comes from the extension; ETag and Last-Modified come from the
// file's size and modification time (If-None-Match answers 304).
//
// For a single-page app with history-mode routing: a path that names no file, lies outside
// "api/", and comes from a client accepting text/html answers the root index.html, so a deep
// link such as /files/photos reaches the app. Hashed build output under "assets/" is cached for
// a year (immutable: its name changes with its content); everything else is "no-cache"
// (revalidated by ETag). HTML carries a strict Content-Security-Policy: only the app's own
// scripts, styles and connections (including the WebSocket on the same host), no framing.
//
// Only files inside the folder are served: dot segments (also percent-encoded ones, which the
// URL parser refuses), encoded slashes that would form them, hidden names (a leading '.'), and
// symlinks whose target lies outside the folder all answer 404, as does anything missing or
// unreadable. Files are streamed in 64 KiB pieces, never loaded whole.
//
// Thread safety: immutable after Open; Serve may run on many threads at once.
#pragma once

#include <filesystem>
#include <optional>
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
  // Resolve, falling back to the root index.html for an app route (see above).
  absl::StatusOr<std::filesystem::path> ResolveOrAppRoute(std::string_view relative,
                                                          const http::Request& request) const;

  std::filesystem::path root_;  // canonical
};

// The Content-Type for a file name by its extension; application/octet-stream when unknown.
std::string_view ContentTypeFor(std::string_view filename);

// The Cache-Control for the served path `relative` (see above).
std::string_view CacheControlFor(std::string_view relative);

// The Content-Security-Policy for HTML answered to a request with Host `host`: the WebSocket
// may connect back to that host only. A Host with characters outside a host name's is left out
// (the policy then allows 'self' alone).
std::string ContentSecurityPolicy(std::optional<std::string_view> host);

}  // namespace datamesh::gateway
