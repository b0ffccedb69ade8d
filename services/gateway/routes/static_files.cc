#include "services/gateway/routes/static_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/gateway/routes/access_log.h"
#include "services/gateway/upstream/rpc_status.h"

namespace datamesh::gateway {
namespace {

namespace fs = std::filesystem;
constexpr size_t kPieceBytes = 64 * 1024;

constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kTypes = {{
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"xml", "application/xml"},
    {"webmanifest", "application/manifest+json"},
}};

absl::Status NotFound() { return absl::NotFoundError("no such file"); }

std::string HttpDate(absl::Time t) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, absl::UTCTimeZone());
}

// True when `path` is `root` or lies below it (both canonical).
bool IsWithin(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

// True for a path the app's router owns: not under "api/" (the REST API answers its own 404s).
bool IsAppRoute(std::string_view relative) {
  return relative != "api" && !relative.starts_with("api/");
}

bool AcceptsHtml(const http::Request& r) {
  const std::optional<std::string_view> accept = r.header("Accept");
  return accept.has_value() && accept->find("text/html") != std::string_view::npos;
}

bool IsHostChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
         c == ':' || c == '[' || c == ']';
}

}  // namespace

std::string_view CacheControlFor(std::string_view relative) {
  if (relative.starts_with("assets/")) return "public, max-age=31536000, immutable";
  return "no-cache";
}

std::string ContentSecurityPolicy(std::optional<std::string_view> host) {
  std::string connect = "'self'";
  if (host.has_value() && !host->empty() && host->size() <= 255 &&
      std::all_of(host->begin(), host->end(), IsHostChar)) {
    const std::string h(*host);
    absl::StrAppend(&connect, " ws://", h, " wss://", h);
  }
  return absl::StrCat(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
      "font-src 'self' data:; connect-src ",
      connect,
      "; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
}

std::string_view ContentTypeFor(std::string_view filename) {
  const size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string ext(filename.substr(dot + 1));
  absl::AsciiStrToLower(&ext);
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

absl::StatusOr<StaticFiles> StaticFiles::Open(const std::string& root) {
  std::error_code ec;
  fs::path canonical = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical, ec)) {
    return absl::NotFoundError(absl::StrCat("static folder not found: ", root));
  }
  return StaticFiles(std::move(canonical));
}

absl::StatusOr<fs::path> StaticFiles::Resolve(std::string_view relative) const {
  fs::path path = root_;
  if (!relative.empty()) {
    // The segments were decoded one by one, so an encoded '/' may hide a dot segment here.
    for (absl::string_view piece :
         absl::StrSplit(absl::string_view(relative.data(), relative.size()), '/')) {
      if (piece.empty()) continue;  // "a//b" or a trailing '/'
      if (piece.front() == '.' || piece.find('\\') != piece.npos) return NotFound();
      path /= std::string(piece);
    }
  }
  std::error_code ec;
  fs::path canonical = fs::canonical(path, ec);
  // Symlinks are followed by canonical(): whatever they point at must still be inside.
  if (ec || !IsWithin(canonical, root_)) return NotFound();
  if (fs::is_directory(canonical, ec)) {
    canonical = fs::canonical(canonical / "index.html", ec);
    if (ec || !IsWithin(canonical, root_)) return NotFound();
  }
  if (!fs::is_regular_file(canonical, ec)) return NotFound();
  return canonical;
}

absl::StatusOr<fs::path> StaticFiles::ResolveOrAppRoute(std::string_view relative,
                                                        const http::Request& r) const {
  absl::StatusOr<fs::path> path = Resolve(relative);
  if (path.ok() || !IsAppRoute(relative) || !AcceptsHtml(r)) return path;
  return Resolve("");
}

void StaticFiles::Serve(std::string_view relative, const http::Request& r,
                        http::ResponseWriter& w) const {
  absl::StatusOr<fs::path> path = ResolveOrAppRoute(relative, r);
  if (!path.ok()) return WriteApiError(w, path.status());
  struct stat st {};
  std::ifstream in(*path, std::ios::binary);
  if (!in || ::stat(path->c_str(), &st) != 0) return WriteApiError(w, NotFound());
  const std::string etag =
      absl::StrCat("\"", st.st_size, "-", st.st_mtim.tv_sec, "-", st.st_mtim.tv_nsec, "\"");
  w.SetHeader("ETag", etag);
  w.SetHeader("Last-Modified", HttpDate(absl::FromTimeT(st.st_mtim.tv_sec)));
  const std::string_view type = ContentTypeFor(path->filename().string());
  // The index.html answered for an app route is never the immutable kind, whatever the path.
  const bool is_html = type.starts_with("text/html");
  w.SetHeader("Cache-Control", is_html ? "no-cache" : CacheControlFor(relative));
  w.SetHeader("X-Content-Type-Options", "nosniff");
  if (is_html) {
    w.SetHeader("Content-Security-Policy", ContentSecurityPolicy(r.header("Host")));
    w.SetHeader("Referrer-Policy", "same-origin");
  }
  if (r.header("If-None-Match") == std::optional<std::string_view>(etag)) {
    w.SetStatus(304);
    (void)w.WriteWhole("", "");
    return;
  }
  w.SetHeader("Content-Type", type);
  if (!w.BeginStream(static_cast<uint64_t>(st.st_size)).ok() || r.is_head()) return;
  std::string buffer(kPieceBytes, '\0');
  uint64_t left = static_cast<uint64_t>(st.st_size);
  while (left > 0 && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(std::min<uint64_t>(left, kPieceBytes)));
    const size_t n = static_cast<size_t>(in.gcount());
    if (n == 0 || !w.Write(std::string_view(buffer.data(), n)).ok()) break;
    left -= n;
  }
  // A file that shrank while being sent leaves the body short; Finish then closes the
  // connection so the client notices.
  (void)w.Finish();
}

void StaticFiles::AddRoutes(http::Router& router, const StaticFiles& files) {
  router.Handle(
      "GET", "/{path*}",
      WithAccessLog([&files](const http::Request& r, http::BodyReader&, http::ResponseWriter& w) {
        files.Serve(r.path_param("path").value_or(""), r, w);
      }));
}

}  // namespace datamesh::gateway
