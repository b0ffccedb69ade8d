// A raw HTTP request as parts: rendering, building, and the spans mutations aim at.
#include "tests/e2e/mutation/request.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace datamesh::e2e::mutation {
namespace {

// The body of `r` in two chunks (the first one's size line replaced when `r` says so), then the
// last chunk.
std::string ChunkedBody(const Request& r) {
  const size_t half = r.body.size() / 2;
  std::string body;
  for (absl::string_view piece :
       {absl::string_view(r.body).substr(0, half), absl::string_view(r.body).substr(half)}) {
    if (piece.empty()) continue;
    absl::StrAppend(&body,
                    body.empty() && r.first_chunk_size ? *r.first_chunk_size
                                                       : absl::StrCat(absl::Hex(piece.size())),
                    "\r\n", piece, "\r\n");
  }
  body += "0\r\n\r\n";
  return body;
}

}  // namespace

std::string Render(const Request& r) {
  std::string out = absl::StrCat(r.method, " /", absl::StrJoin(r.path, "/"));
  if (!r.query.empty()) {
    absl::StrAppend(&out, "?", absl::StrJoin(r.query, "&", absl::PairFormatter("=")));
  }
  absl::StrAppend(&out, " ", r.version, "\r\nHost: 127.0.0.1\r\n");
  for (const auto& [name, value] : r.headers) absl::StrAppend(&out, name, ": ", value, "\r\n");
  std::string body = r.body;
  if (r.chunked) {
    out += "Transfer-Encoding: chunked\r\n";
    body = ChunkedBody(r);
    if (r.content_length) absl::StrAppend(&out, "Content-Length: ", *r.content_length, "\r\n");
  } else if (r.content_length || !r.body.empty()) {
    absl::StrAppend(
        &out, "Content-Length: ", r.content_length.value_or(std::to_string(body.size())), "\r\n");
  }
  return absl::StrCat(out, "\r\n", body, r.tail);
}

Request Make(std::string method, absl::string_view path_and_query, std::string token,
             std::string body, std::string content_type) {
  Request r;
  r.method = std::move(method);
  const std::pair<absl::string_view, absl::string_view> pq =
      absl::StrSplit(path_and_query, absl::MaxSplits('?', 1));
  r.path = absl::StrSplit(pq.first.substr(1), '/');
  for (absl::string_view piece : absl::StrSplit(pq.second, '&', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(piece, absl::MaxSplits('=', 1));
    r.query.push_back(std::move(kv));
  }
  if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
  if (!content_type.empty()) r.headers.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

Request Upgrade(std::string path_and_query, const std::string& token) {
  Request r = Make("GET", path_and_query, token);
  r.headers.insert(r.headers.end(), {{"Connection", "Upgrade"},
                                     {"Upgrade", "websocket"},
                                     {"Sec-WebSocket-Version", "13"},
                                     {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  const std::string payload = "{\"type\":\"hello\"}";
  const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  r.tail = {static_cast<char>(0x81), static_cast<char>(0x80 | payload.size())};
  r.tail.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < payload.size(); ++i) r.tail += static_cast<char>(payload[i] ^ mask[i % 4]);
  return r;
}

std::vector<std::pair<size_t, size_t>> QuotedSpans(absl::string_view body) {
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '"') continue;
    size_t j = i + 1;
    while (j < body.size() && body[j] != '"') j += body[j] == '\\' ? 2 : 1;
    if (j >= body.size()) break;
    spans.emplace_back(i, j);
    i = j;
  }
  return spans;
}

std::string PercentEncode(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace datamesh::e2e::mutation
