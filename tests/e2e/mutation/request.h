// A raw HTTP request held as its parts (method, path segments, query, headers, body, framing),
// so that a mutation can aim at one part and the request is then rendered to the bytes sent.
// Parts hold what goes on the wire: path segments and query values already percent-encoded.
//
// Pure functions and a plain struct; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace datamesh::e2e::mutation {

struct Request {
  std::string method = "GET";
  std::string version = "HTTP/1.1";
  std::vector<std::string> path;                             // segments, as sent (encoded)
  std::vector<std::pair<std::string, std::string>> query;    // as sent (encoded)
  std::vector<std::pair<std::string, std::string>> headers;  // Host and framing are added
  std::string body;
  bool chunked = false;
  std::optional<std::string> content_length;    // replaces the computed one
  std::optional<std::string> first_chunk_size;  // replaces the first chunk's size line
  std::string tail;                             // bytes after the message (a WebSocket frame)
};

// The bytes of `r`: request line, Host, its headers, framing (Content-Length, or a chunked body
// in two chunks), body and tail.
std::string Render(const Request& r);

// A request for `path_and_query` ("/a/b?k=v", as sent), with `token` as a bearer token and
// `body` of `content_type` when these are not empty.
Request Make(std::string method, absl::string_view path_and_query, std::string token = "",
             std::string body = "", std::string content_type = "");

// A WebSocket upgrade followed by one masked text frame.
Request Upgrade(std::string path_and_query, const std::string& token);

// The quoted strings of a body (JSON members, multipart parameters): [open quote, close quote].
std::vector<std::pair<size_t, size_t>> QuotedSpans(absl::string_view body);

// `s` with every byte but unreserved ones percent-encoded (for query values).
std::string PercentEncode(absl::string_view s);

}  // namespace datamesh::e2e::mutation
