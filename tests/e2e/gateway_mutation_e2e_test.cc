// The gateway under mutated requests, against the whole stack (TestStack with every service).
// A corpus of valid raw HTTP/1.1 requests (file downloads with ranges, listing, metadata,
// uploads with Content-Length, chunked and multipart bodies, auth and API keys, admin queries, a
// WebSocket upgrade with one masked frame, probes and the OpenAPI document) is first checked to
// be answered as the contract says. Then every id in a path, query value and interpreted header
// value is replaced by each edge value (empty, 10 KB, invalid or overlong UTF-8, surrogates, NUL,
// CR/LF, bad percent escapes, huge and negative numbers, odd ranges) and every quoted string of
// a body by each JSON escape (\u0000, lone surrogates, ...); and random requests are mutated with
// a fixed seed: bytes flipped, cut, repeated or inserted; methods, versions and parts replaced;
// headers added or dropped; some pipelined behind or before a valid request. Each goes on its
// own TCP connection. Asserted: no 5xx answer except 503 with Retry-After, the gateway still up
// and healthy, another user's files untouched, every service log line valid UTF-8 and JSON.
#include <arpa/inet.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shared/testing/test_stack.h"
#include "shared/text/utf8.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using e2e::Obj;
using e2e::Reply;
using e2e::Str;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kSeed = 0x5eed'da7a'3e5bULL;
constexpr int kRandomMutations = 2000;
constexpr auto kMutationBudget = std::chrono::seconds(120);
constexpr auto kAnswerTimeout = std::chrono::seconds(3);
constexpr int kWorkers = 4;
constexpr size_t kMaxAnswerBytes = 1 << 20;
constexpr int kMaxExamples = 20;

// ---------------------------------------------------------------------------------------------
// Raw HTTP over one TCP connection.

struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct Exchange {
  bool connected = false;
  bool timed_out = false;
  std::string raw;  // every byte the server sent (up to kMaxAnswerBytes)
  std::vector<Answer> answers;
};

// Length of a chunked body starting at `pos`, or nullopt if it is not complete in `raw`.
std::optional<size_t> ChunkedLength(absl::string_view raw, size_t pos) {
  size_t at = pos;
  while (true) {
    const size_t eol = raw.find("\r\n", at);
    if (eol == absl::string_view::npos) return std::nullopt;
    absl::string_view size_text = raw.substr(at, eol - at);
    size_text = size_text.substr(0, size_text.find(';'));
    uint64_t size = 0;
    if (!absl::SimpleHexAtoi(absl::string_view(size_text.data(), size_text.size()), &size)) {
      return std::nullopt;
    }
    at = eol + 2;
    if (size == 0) {
      const size_t end = raw.find("\r\n\r\n", at - 2);
      return end == absl::string_view::npos ? std::nullopt : std::optional(end + 4 - pos);
    }
    if (raw.size() < at + size + 2) return std::nullopt;
    at += size + 2;
  }
}

// The HTTP answers in `raw`, in order. A HEAD answer is recognised by the next answer starting
// right after its header; a 101 ends the HTTP part of the connection.
std::vector<Answer> ParseAnswers(absl::string_view raw) {
  std::vector<Answer> out;
  size_t pos = 0;
  while (pos < raw.size() && absl::StartsWith(raw.substr(pos), "HTTP/1.")) {
    const size_t head_end = raw.find("\r\n\r\n", pos);
    if (head_end == absl::string_view::npos) break;
    std::vector<absl::string_view> lines = absl::StrSplit(raw.substr(pos, head_end - pos), "\r\n");
    Answer a;
    if (lines[0].size() < 12 || !absl::SimpleAtoi(lines[0].substr(9, 3), &a.status)) break;
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == absl::string_view::npos) continue;
      a.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
    const size_t body_at = head_end + 4;
    size_t length = raw.size() - body_at;
    if (a.status == 101) {
      out.push_back(std::move(a));
      break;
    }
    uint64_t declared = 0;
    if (a.status < 200 || a.status == 204 || a.status == 304 ||
        absl::StartsWith(raw.substr(body_at), "HTTP/1.")) {
      length = 0;
    } else if (absl::AsciiStrToLower(a.headers["transfer-encoding"]) == "chunked") {
      length = ChunkedLength(raw, body_at).value_or(length);
    } else if (a.headers.contains("content-length") &&
               absl::SimpleAtoi(a.headers["content-length"], &declared)) {
      length = std::min<uint64_t>(declared, length);
    }
    a.body = std::string(raw.substr(body_at, length));
    out.push_back(std::move(a));
    pos = body_at + length;
  }
  return out;
}

// Sends `request` on a new connection to 127.0.0.1:`port`, half-closes, and reads until the
// server closes or `timeout` passes.
Exchange SendRaw(uint16_t port, const std::string& request,
                 std::chrono::milliseconds timeout = kAnswerTimeout) {
  Exchange ex;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ex;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
             .tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return ex;
  }
  ex.connected = true;
  // The server may answer and close before it has read everything (e.g. 431): stop writing.
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  const auto deadline = Clock::now() + timeout;
  char buffer[16 * 1024];
  while (ex.raw.size() < kMaxAnswerBytes) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      ex.timed_out = true;
      break;
    }
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready == 0) {
      ex.timed_out = true;
      break;
    }
    if (ready < 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;  // closed, or reset after answering
    ex.raw.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  ex.answers = ParseAnswers(ex.raw);
  return ex;
}

// ---------------------------------------------------------------------------------------------
// Requests as parts, so that mutations can aim at one of them.

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
    const size_t half = body.size() / 2;
    body.clear();
    for (absl::string_view piece :
         {absl::string_view(r.body).substr(0, half), absl::string_view(r.body).substr(half)}) {
      if (piece.empty()) continue;
      absl::StrAppend(&body,
                      body.empty() && r.first_chunk_size ? *r.first_chunk_size
                                                         : absl::StrCat(absl::Hex(piece.size())),
                      "\r\n", piece, "\r\n");
    }
    body += "0\r\n\r\n";
    if (r.content_length) absl::StrAppend(&out, "Content-Length: ", *r.content_length, "\r\n");
  } else if (r.content_length || !r.body.empty()) {
    absl::StrAppend(
        &out, "Content-Length: ", r.content_length.value_or(std::to_string(body.size())), "\r\n");
  }
  return absl::StrCat(out, "\r\n", body, r.tail);
}

Request Make(std::string method, absl::string_view path_and_query, std::string token = "",
             std::string body = "", std::string content_type = "") {
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

// A WebSocket upgrade followed by one masked text frame.
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

// ---------------------------------------------------------------------------------------------
// Mutations.

// Replacement values for any part.
const std::vector<std::string>& EdgeValues() {
  static const auto* const kValues = new std::vector<std::string>{
      "",
      std::string(10 * 1024, 'A'),
      "\xff\xfe",
      "\xc0\xaf",
      "\xed\xa0\x80",
      "\xf4\x90\x80\x80",
      "\xf0\x9f\x98",
      std::string("a\0b", 3),
      std::string(1, '\0'),
      "\r\nX-Injected: 1",
      "x\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n",
      "\n",
      "\r",
      "\t",
      " ",
      "%ff",
      "%00",
      "%zz",
      "%",
      "%e",
      "%c0%af",
      "%ed%a0%80",
      "%2e%2e",
      "%2f",
      "..",
      ".",
      "/",
      "\\",
      "\"",
      "'",
      "+",
      "&",
      "=",
      "?",
      "#",
      "{}",
      "null",
      "\x7f",
      "\x1b[31m",
      "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
      "99999999999999999999999999",
      "18446744073709551615",
      "18446744073709551616",
      "9223372036854775808",
      "-1",
      "-9223372036854775808",
      "0",
      "1e309",
      "0x10",
      "bytes=-",
      "bytes=0-",
      "bytes=-0",
      "bytes=5-1",
      "bytes=0-10,20-30",
      "bytes=18446744073709551615-",
      "bytes=-18446744073709551616",
      "bytes=0-18446744073709551615",
      "../../etc/passwd",
      "' OR 1=1 --",
      "00000000-0000-0000-0000-000000000000",
  };
  return *kValues;
}

// Replacement contents for a JSON string: escapes that decode to what a protobuf string or a
// database column may not hold, besides the raw edge values.
const std::vector<std::string>& JsonEscapes() {
  static const auto* const kValues = new std::vector<std::string>{
      "\\u0000", "a\\u0000b", "\\ud800", "\\udfff\\ud800", "\\ud83d\\ude00", "\\\"",    "\\",
      "\\u",     "\\uZZZZ",   "\\x41",   "\\u001b",        "\\u2028",        "\\uffff", "\\ufffe"};
  return *kValues;
}

// Whole values for a JSON member (replacing a string including its quotes).
const std::vector<std::string>& JsonValues() {
  static const auto* const kValues =
      new std::vector<std::string>{"1",
                                   "-1",
                                   "1e999",
                                   "true",
                                   "null",
                                   "[]",
                                   "{}",
                                   "[\"a\"]",
                                   "{\"a\":{\"b\":1}}",
                                   std::string(200, '[') + std::string(200, ']'),
                                   "18446744073709551616",
                                   "\"\"",
                                   "0.5"};
  return *kValues;
}

const std::vector<std::string>& ExtraHeaders() {
  static const auto* const kValues = new std::vector<std::string>{
      "Content-Length: 5",
      "Content-Length: 0",
      "Content-Length: -1",
      "Content-Length: 18446744073709551616",
      "Transfer-Encoding: chunked",
      "Transfer-Encoding: gzip, chunked",
      "Transfer-Encoding: identity",
      "Content-Encoding: gzip",
      "Expect: 100-continue",
      "Expect: something-else",
      "Connection: close",
      "Connection: keep-alive, Upgrade",
      "Upgrade: websocket",
      "X-Request-Id: ",
      "X-Request-Id: " + std::string(200, 'r'),
      "X-Request-Id: \xff\xfe",
      "X-Forwarded-For: \xff\xfe",
      "X-Forwarded-For: 1.2.3.4, ::1, nonsense",
      "X-File-Name: \xc0\xaf",
      "X-File-Name: \xed\xa0\x80",
      "X-Upload-Id: \xff",
      "X-DataMesh-Encryption: \xff",
      "Content-Type: multipart/form-data",
      "Content-Type: multipart/form-data; boundary=",
      "Content-Type: multipart/form-data; boundary=\"\xff\"",
      "Content-Type: application/json; charset=\xff",
      "Content-Type: text/\xff",
      "Range: bytes=0-0",
      "Range: bytes=-",
      "Range: \xff",
      "Authorization: Bearer",
      "Authorization: Bearer \xff\xfe",
      "Authorization: Basic YWRtaW46YWRtaW4=",
      "Authorization: Bearer dmk_" + std::string(300, 'k'),
      "Sec-WebSocket-Key: \xff",
      "Sec-WebSocket-Version: 99",
      "Host: \xff",
      "If-None-Match: *",
      "Cookie: a=\xff",
      std::string("X-Nul: a\0b", 10),
      "X-Long: " + std::string(10 * 1024, 'L'),
      "Bad Header: x",
      ": empty-name",
      " leading-space: x",
  };
  return *kValues;
}

struct Case {
  size_t seed = 0;
  std::string bytes;
  std::string description;
};

// `v` for a case's description.
std::string ShowValue(absl::string_view v) {
  return v.size() > 40 ? absl::StrCat("<", v.size(), " bytes>")
                       : absl::StrCat("\"", absl::CHexEscape(v), "\"");
}

// The quoted strings of a body (JSON members, multipart parameters): [open quote, close quote].
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

// Every single replacement of one value by one edge value: ids in paths, query values, the
// headers the gateway interprets; and every quoted string of a body by every JSON escape.
std::vector<Case> Sweep(const std::vector<Request>& seeds, const std::vector<std::string>& names) {
  static const std::set<std::string> kHeaders = {"Range",        "X-File-Name",
                                                 "X-Upload-Id",  "X-DataMesh-Encryption",
                                                 "X-Request-Id", "Content-Type"};
  std::vector<Case> out;
  auto add = [&](size_t seed, const Request& r, std::string what) {
    out.push_back({seed, Render(r), absl::StrCat(names[seed], "; ", what)});
  };
  for (size_t seed = 0; seed < seeds.size(); ++seed) {
    const Request& base = seeds[seed];
    for (const std::string& v : EdgeValues()) {
      for (size_t i = 0; i < base.path.size(); ++i) {
        if (base.path[i].size() < 20) continue;  // ids only
        Request r = base;
        r.path[i] = v;
        add(seed, r, absl::StrCat("path[", i, "] := ", ShowValue(v)));
      }
      for (size_t i = 0; i < base.query.size(); ++i) {
        Request r = base;
        r.query[i].second = v;
        add(seed, r, absl::StrCat("query ", r.query[i].first, " := ", ShowValue(v)));
      }
      for (size_t i = 0; i < base.headers.size(); ++i) {
        if (!kHeaders.contains(base.headers[i].first)) continue;
        // A JSON route ignores the type (and its logins cost a password hash each).
        if (base.headers[i].first == "Content-Type" && absl::StartsWith(base.body, "{")) continue;
        Request r = base;
        r.headers[i].second = v;
        add(seed, r, absl::StrCat("header ", r.headers[i].first, " := ", ShowValue(v)));
      }
    }
    for (const auto& [open, close] : QuotedSpans(base.body)) {
      for (const std::string& v : JsonEscapes()) {
        Request r = base;
        r.body.replace(open + 1, close - open - 1, v);
        add(seed, r,
            absl::StrCat("body string ", ShowValue(base.body.substr(open + 1, close - open - 1)),
                         " := ", ShowValue(v)));
      }
    }
  }
  return out;
}

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  Case Next(const std::vector<Request>& seeds, const std::vector<std::string>& names) {
    Case c;
    c.seed = Below(seeds.size());
    Request r = seeds[c.seed];
    std::vector<std::string> what{names[c.seed]};
    // Most cases change parts, many also bytes; every case changes something.
    const int parts = static_cast<int>(Below(3));
    const int bytes = parts == 0 ? 1 + static_cast<int>(Below(2)) : static_cast<int>(Below(2));
    for (int i = 0; i < parts; ++i) what.push_back(MutatePart(r));
    c.bytes = Render(r);
    for (int i = 0; i < bytes; ++i) what.push_back(MutateBytes(c.bytes));
    // Some connections carry two requests: a valid one before or after the mutated one.
    if (Below(10) == 0) {
      Request other = seeds[Below(seeds.size())];
      other.headers.emplace_back("Connection", "keep-alive");
      if (Below(2) == 0) {
        c.bytes = Render(other) + c.bytes;
        what.push_back("after a valid request");
      } else {
        c.bytes += Render(other);
        what.push_back("then a valid request");
      }
    }
    c.description = absl::StrJoin(what, "; ");
    return c;
  }

 private:
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  std::string Edge() { return Pick(EdgeValues()); }

  // Replaces or adds one part of `r`; returns what it did.
  std::string MutatePart(Request& r) {
    // JSON members and multipart parameters travel furthest (into the services' stores).
    if (r.body.find('"') != std::string::npos && Below(3) == 0) return MutateBodyString(r);
    switch (Below(11)) {
      case 0: {
        // Not DELETE: the corpus's files must outlive the mutations of their GETs.
        static const std::vector<std::string> kMethods = {"GET",
                                                          "HEAD",
                                                          "POST",
                                                          "PUT",
                                                          "PATCH",
                                                          "OPTIONS",
                                                          "TRACE",
                                                          "CONNECT",
                                                          "get",
                                                          "",
                                                          std::string(10 * 1024, 'G'),
                                                          "G\xffT"};
        r.method = Pick(kMethods);
        return "method := " + ShowValue(r.method);
      }
      case 1: {
        static const std::vector<std::string> kVersions = {"HTTP/1.0", "HTTP/2.0", "HTTP/1.1x",
                                                           "HTTP/0.9", "",         "HTTP/1.1 x"};
        r.version = Pick(kVersions);
        return "version := " + ShowValue(r.version);
      }
      case 2:
      case 3: {
        // Parameters (ids) are the likelier target.
        size_t i = Below(r.path.size());
        if (Below(3) != 0 && r.path.size() > 3) i = 3 + Below(r.path.size() - 3);
        r.path[i] = Edge();
        return absl::StrCat("path[", i, "] := ", ShowValue(r.path[i]));
      }
      case 4: {
        if (r.query.empty()) {
          r.query.emplace_back(Edge(), Edge());
          return absl::StrCat("query += ", ShowValue(r.query.back().first), "=",
                              ShowValue(r.query.back().second));
        }
        const size_t i = Below(r.query.size());
        if (Below(4) == 0) {
          r.query[i].first = Edge();
          return absl::StrCat("query name[", i, "] := ", ShowValue(r.query[i].first));
        }
        r.query[i].second = Edge();
        return absl::StrCat("query ", r.query[i].first, " := ", ShowValue(r.query[i].second));
      }
      case 5: {
        if (r.headers.empty()) return MutatePart(r);
        auto& [name, value] = r.headers[Below(r.headers.size())];
        if (name == "Authorization" && Below(2) == 0) {
          value = "Bearer " + Edge();
          return "bearer := " + ShowValue(value.substr(7));
        }
        value = Edge();
        return absl::StrCat("header ", name, " := ", ShowValue(value));
      }
      case 6: {
        const std::string& h = Pick(ExtraHeaders());
        const size_t colon = h.find(':');
        r.headers.emplace_back(h.substr(0, colon), std::string(absl::StripLeadingAsciiWhitespace(
                                                       h.substr(std::min(colon + 1, h.size())))));
        return "header += " + ShowValue(h);
      }
      case 7: {
        if (r.headers.empty()) return MutatePart(r);
        const size_t i = Below(r.headers.size());
        const std::string name = r.headers[i].first;
        r.headers.erase(r.headers.begin() + static_cast<long>(i));
        return "header -= " + name;
      }
      case 8: {
        r.content_length = Pick(std::vector<std::string>{
            "0", "1", "-1", "99999999999999999999", "18446744073709551615", "4294967296",
            std::to_string(r.body.size() + 1), std::to_string(r.body.size() / 2), "1 2", "0x10", "",
            "+5", "\xff"});
        return "Content-Length := " + ShowValue(*r.content_length);
      }
      case 9: {
        if (!r.chunked) {
          r.chunked = !r.body.empty() && Below(2) == 0;
          if (r.chunked) return "body as chunked";
          return MutatePart(r);
        }
        r.first_chunk_size = Pick(std::vector<std::string>{"ffffffffffffffffff", "-1", "0x10", "",
                                                           "1;ext=\xff", "zz", "0", "fffffff",
                                                           "3 ; a=b", std::string(100, '0') + "1"});
        return "chunk size := " + ShowValue(*r.first_chunk_size);
      }
      default: return MutateBodyString(r);
    }
  }

  // Replaces the contents of one quoted string of the body (JSON members, multipart
  // parameters), or one whole JSON value.
  std::string MutateBodyString(Request& r) {
    const std::vector<std::pair<size_t, size_t>> spans = QuotedSpans(r.body);
    if (spans.empty()) {
      const size_t at = Below(r.body.size() + 1);
      const std::string v = Edge();
      r.body.insert(at, v);
      return absl::StrCat("body[", at, "] += ", ShowValue(v));
    }
    const auto [open, close] = Pick(spans);
    const std::string old = r.body.substr(open + 1, close - open - 1);
    switch (Below(3)) {
      case 0: {
        const std::string v = Pick(JsonEscapes());
        r.body.replace(open + 1, close - open - 1, v);
        return absl::StrCat("body string ", ShowValue(old), " := ", ShowValue(v));
      }
      case 1: {
        const std::string v = Pick(JsonValues());
        r.body.replace(open, close - open + 1, v);
        return absl::StrCat("body value ", ShowValue(old), " := ", ShowValue(v));
      }
      default: {
        const std::string v = Edge();
        r.body.replace(open + 1, close - open - 1, v);
        return absl::StrCat("body string ", ShowValue(old), " := ", ShowValue(v));
      }
    }
  }

  // Changes the rendered bytes; returns what it did.
  std::string MutateBytes(std::string& b) {
    if (b.empty()) b = "\r\n";
    const size_t at = Below(b.size());
    switch (Below(5)) {
      case 0: {
        const auto mask = static_cast<char>(Below(2) == 0 ? 1 << Below(8) : 1 + Below(255));
        b[at] = static_cast<char>(b[at] ^ mask);
        return absl::StrCat("flip@", at, "^", static_cast<int>(static_cast<unsigned char>(mask)));
      }
      case 1: b.resize(at); return absl::StrCat("cut@", at);
      case 2: {
        const size_t len = 1 + Below(std::min<size_t>(64, b.size() - at));
        const size_t times = 1 + Below(Below(4) == 0 ? 200 : 3);
        std::string slice = b.substr(at, len);
        std::string copies;
        for (size_t i = 0; i < times; ++i) copies += slice;
        b.insert(at + len, copies);
        return absl::StrCat("repeat@", at, "+", len, "x", times);
      }
      case 3: {
        std::string v = Below(2) == 0 ? Edge() : e2e::RandomBytes(1 + Below(8), rng_());
        b.insert(at, v);
        return absl::StrCat("insert@", at, " ", ShowValue(v));
      }
      default: {
        const size_t len = 1 + Below(std::min<size_t>(16, b.size() - at));
        b.erase(at, len);
        return absl::StrCat("erase@", at, "+", len);
      }
    }
  }

  std::mt19937_64 rng_;
};

// ---------------------------------------------------------------------------------------------

// `s` with every byte but unreserved ones percent-encoded (for query values).
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

std::string Excerpt(absl::string_view s, size_t max) {
  if (s.size() <= max) return absl::CHexEscape(s);
  return absl::StrCat(absl::CHexEscape(s.substr(0, max)), "... (", s.size(), " bytes)");
}

// Why a service's log line is not a valid log line, or "" if it is one.
std::string BadLogLine(absl::string_view line) {
  if (!text::IsValidUtf8(std::string_view(line.data(), line.size()))) return "not UTF-8";
  google::protobuf::Struct parsed;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), &parsed);
  return status.ok() ? "" : "not JSON: " + status.ToString();
}

class GatewayMutationE2eTest : public e2e::StackSuite {
 protected:
  // One valid request; its first answer (code 0 when there is none).
  static Reply Call(const Request& request) {
    Exchange ex = SendRaw(port_, Render(request), std::chrono::seconds(30));
    Reply r;
    if (ex.answers.empty()) return r;
    r.code = ex.answers[0].status;
    r.body = ex.answers[0].body;
    r.headers = ex.answers[0].headers;
    return r;
  }

  static Reply Json(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& token = "") {
    return Call(Make(method, target, token, body, "application/json"));
  }

  // Logs `name` in; returns {user id, token}.
  static std::pair<std::string, std::string> Login(const std::string& name,
                                                   const std::string& password) {
    Reply r = Json("POST", "/api/v1/auth/login",
                   absl::StrCat(R"({"username":")", name, R"(","password":")", password, R"("})"));
    EXPECT_EQ(r.code, 200) << r.body;
    return {Str(Obj(r.Json(), "user"), "id"), Str(r.Json(), "token")};
  }

  static std::pair<std::string, std::string> NewUser(const std::string& name) {
    Reply r = Json("POST", "/api/v1/auth/register",
                   absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                                R"(@example.com","password":"correct-horse-1"})"));
    EXPECT_EQ(r.code, 201) << r.body;
    return Login(name, "correct-horse-1");
  }

  static std::string Upload(const std::string& token, const std::string& name,
                            const std::string& data) {
    Reply r = Call(Make("POST", "/api/v1/files?name=" + name, token, data, "text/plain"));
    EXPECT_EQ(r.code, 201) << r.body;
    return Str(Obj(r.Json(), "file"), "id");
  }

  // The ids of the caller's files.
  static std::set<std::string> FileIds(const std::string& token) {
    Reply r = Call(Make("GET", "/api/v1/files?limit=1000", token));
    EXPECT_EQ(r.code, 200) << r.body;
    std::set<std::string> ids;
    for (const google::protobuf::Struct& f : e2e::List(r.Json(), "files")) ids.insert(Str(f, "id"));
    return ids;
  }
};

TEST_F(GatewayMutationE2eTest, MutatedRequestsGetNoServerErrors) {
  // Users, files, an API key and tokens for the corpus to name.
  const auto [a_id, a] = NewUser("mutant_a");
  const auto [b_id, b] = NewUser("mutant_b");
  const auto [admin_id, admin] =
      Login("admin", std::string(absl::StripAsciiWhitespace(
                         e2e::ReadFile(fs::path(stack_->dir()) / "admin-password"))));
  ASSERT_FALSE(a.empty() || b.empty() || admin.empty());
  // A spare session of A's, for the logout request.
  const std::string a_spare = Login("mutant_a", "correct-horse-1").second;
  // Unlimited API calls, so that mutated requests reach the handlers rather than the limit.
  for (const std::string& id : {a_id, b_id, admin_id}) {
    Reply r = Json("PUT", "/api/v1/admin/users/" + id, R"({"tier":"enterprise"})", admin);
    ASSERT_EQ(r.code, 200) << r.body;
  }
  const std::string content = "mutation test content, 0123456789 abcdefghijklmnopqrstuvwxyz\n";
  const std::string a_file = Upload(a, "a/one.txt", content);
  const std::string a_file2 = Upload(a, "a/two.txt", content);
  const std::string a_victim = Upload(a, "a/victim.txt", content);
  const std::set<std::string> b_files = {Upload(b, "b/mine.txt", content),
                                         Upload(b, "b/other.txt", content + content)};
  ASSERT_EQ(FileIds(b), b_files);
  Reply page = Call(Make("GET", "/api/v1/files?limit=1", a));
  const std::string cursor = PercentEncode(Str(page.Json(), "nextCursor"));
  ASSERT_FALSE(cursor.empty()) << page.body;
  Reply key = Json("POST", "/api/v1/auth/api-keys", R"({"name":"mutation-key"})", a);
  ASSERT_EQ(key.code, 201) << key.body;
  const std::string key_id = Str(key.Json(), "id");
  const std::string key_secret = Str(key.Json(), "key");
  Reply key2 = Json("POST", "/api/v1/auth/api-keys", R"({"name":"mutation-key-2"})", a);
  ASSERT_EQ(key2.code, 201) << key2.body;
  const std::string api_key = Str(key2.Json(), "key");

  // The corpus: valid requests, each with the status it must get unchanged.
  const std::string json = "application/json";
  const std::string boundary = "XyZzy42";
  const std::string multipart = absl::StrCat(
      "--", boundary, "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n", "hello\r\n--",
      boundary, "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"mp.txt\"\r\n",
      "Content-Type: text/plain\r\n\r\n", content, "\r\n--", boundary, "--\r\n");
  std::vector<std::tuple<std::string, Request, int>> corpus;
  auto add = [&](std::string name, Request r, int expect) {
    corpus.emplace_back(std::move(name), std::move(r), expect);
  };
  auto with = [](Request r, std::vector<std::pair<std::string, std::string>> headers) {
    r.headers.insert(r.headers.end(), headers.begin(), headers.end());
    return r;
  };
  const std::string file = "/api/v1/files/" + a_file;
  add("get range", with(Make("GET", file, a), {{"Range", "bytes=0-10"}}), 206);
  add("get suffix range", with(Make("GET", file, a), {{"Range", "bytes=-5"}}), 206);
  add("get multi range", with(Make("GET", file, a), {{"Range", "bytes=0-1, 4-5"}}), 200);
  add("head range", with(Make("HEAD", file, a), {{"Range", "bytes=2-"}}), 206);
  add("delete file", Make("DELETE", "/api/v1/files/" + a_victim, a), 204);
  add("list", Make("GET", "/api/v1/files?prefix=a/&limit=2&cursor=", a), 200);
  add("list with cursor", Make("GET", "/api/v1/files?prefix=a&limit=1000&cursor=" + cursor, a),
      200);
  add("list with api key", Make("GET", "/api/v1/files?prefix=a/o", api_key), 200);
  add("metadata get", Make("GET", file + "/metadata", a), 200);
  add("metadata put",
      Make("PUT", "/api/v1/files/" + a_file2 + "/metadata", a,
           R"({"name":"a/renamed.txt","tags":{"team":"storage","k":"v"}})", json),
      200);
  add("file health", Make("GET", file + "/health", a), 200);
  add("upload",
      Make("POST", "/api/v1/files?name=up/raw.bin&tags=k:v,x:y", a, content, "text/plain"), 201);
  Request chunked = Make("POST", "/api/v1/files?name=up/chunked.bin", a, content, "text/plain");
  chunked.chunked = true;
  add("upload chunked", chunked, 201);
  add("upload multipart",
      Make("POST", "/api/v1/files", a, multipart, "multipart/form-data; boundary=" + boundary),
      201);
  add("upload with headers",
      with(Make("POST", "/api/v1/files?uploadId=up-1", a, content, "application/octet-stream"),
           {{"X-File-Name", "up/header.bin"},
            {"X-DataMesh-Encryption", "client"},
            {"X-Request-Id", "mutation-1"}}),
      201);
  add("register",
      Make("POST", "/api/v1/auth/register", "",
           R"({"username":"mutant_c","email":"mutant_c@example.com","password":"correct-horse-1"})",
           json),
      201);
  add("login",
      Make("POST", "/api/v1/auth/login", "",
           R"({"username":"mutant_a","password":"correct-horse-1"})", json),
      200);
  add("profile", Make("GET", "/api/v1/auth/profile", a), 200);
  add("api key create", Make("POST", "/api/v1/auth/api-keys", a, R"({"name":"ci"})", json), 201);
  add("api key list", Make("GET", "/api/v1/auth/api-keys", a), 200);
  add("api key delete", Make("DELETE", "/api/v1/auth/api-keys/" + key_id, a), 204);
  add("logout", Make("POST", "/api/v1/auth/logout", a_spare), 204);
  add("admin audit",
      Make("GET",
           absl::StrCat("/api/v1/admin/audit?user=", a_id,
                        "&action=auth.&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=10"),
           admin),
      200);
  add("admin users", Make("GET", "/api/v1/admin/users?limit=5&cursor=", admin), 200);
  add("admin user tier",
      Make("PUT", "/api/v1/admin/users/" + b_id, admin, R"({"tier":"enterprise"})", json), 200);
  add("admin system", Make("GET", "/api/v1/admin/system", admin), 200);
  add("admin job", Make("GET", "/api/v1/admin/maintenance/" + std::string(32, '7'), admin), 404);
  add("websocket", Upgrade("/api/v1/ws?token=" + a, ""), 101);
  add("websocket bearer", Upgrade("/api/v1/ws", b), 101);
  add("healthz", Make("GET", "/healthz"), 200);
  add("readyz", Make("GET", "/readyz"), 200);
  add("openapi", Make("GET", "/api/v1/openapi.json"), 200);
  // B reaching for A's file, and B's own listing.
  add("other's file", Make("GET", file, b), 404);
  add("other's metadata", Make("PUT", file + "/metadata", b, R"({"name":"b/stolen.txt"})", json),
      404);
  add("other's delete", Make("DELETE", file, b), 404);
  add("own list", Make("GET", "/api/v1/files?prefix=&limit=10", b), 200);

  std::vector<Request> seeds;
  std::vector<std::string> names;
  for (const auto& [name, request, expect] : corpus) {
    Exchange ex = SendRaw(port_, Render(request), std::chrono::seconds(30));
    ASSERT_FALSE(ex.answers.empty()) << name << ": no answer to " << Excerpt(Render(request), 500);
    EXPECT_EQ(ex.answers[0].status, expect)
        << name << ": " << Excerpt(Render(request), 500) << "\n=> " << Excerpt(ex.raw, 500);
    seeds.push_back(request);
    names.push_back(name);
  }

  // The mutated requests, all made before any is sent: the sweep, then random ones.
  std::vector<Case> cases = Sweep(seeds, names);
  const size_t swept = cases.size();
  Mutator mutator(kSeed);
  for (int i = 0; i < kRandomMutations; ++i) cases.push_back(mutator.Next(seeds, names));
  // Mixed, so that a run cut short by the time budget still covers every kind.
  std::shuffle(cases.begin(), cases.end(), std::mt19937_64(kSeed));
  std::vector<Exchange> results(cases.size());
  std::vector<char> attempted(cases.size(), 0);
  std::atomic<size_t> next{0};
  const auto started = Clock::now();
  const auto deadline = started + kMutationBudget;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < cases.size() && Clock::now() < deadline; i = next++) {
        attempted[i] = 1;
        results[i] = SendRaw(port_, cases[i].bytes);
      }
    });
  }
  for (std::thread& t : workers) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  // Tally. A 5xx answer is a failure, unless it is a 503 with Retry-After or the placeholder
  // 501 of an area not built yet (which the corpus does not name, but a mutation might).
  std::map<int, int> statuses;
  int sent = 0, unanswered = 0, timeouts = 0, refused = 0;
  // By status and error code ("500 INTERNAL"), then by the corpus request mutated.
  std::map<std::string, std::map<std::string, std::vector<size_t>>> server_errors;
  std::vector<std::string> timeout_examples;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Exchange& ex = results[i];
    if (!attempted[i]) continue;
    if (!ex.connected) {
      ++refused;
      continue;
    }
    ++sent;
    if (ex.timed_out && ++timeouts <= 3) timeout_examples.push_back(cases[i].description);
    if (ex.answers.empty()) ++unanswered;
    for (const Answer& answer : ex.answers) {
      ++statuses[answer.status];
      if (answer.status < 500) continue;
      if (answer.status == 503 && answer.headers.contains("retry-after")) continue;
      if (answer.status == 501 && (absl::StrContains(cases[i].bytes, " /api/v1/monitoring/") ||
                                   absl::StrContains(cases[i].bytes, " /api/v1/governance/"))) {
        continue;
      }
      google::protobuf::Struct body;
      const bool json = google::protobuf::util::JsonStringToMessage(answer.body, &body).ok();
      server_errors[absl::StrCat(answer.status, " ", json ? Str(Obj(body, "error"), "code") : "")]
                   [names[cases[i].seed]]
                       .push_back(i);
    }
  }
  std::string tally;
  for (const auto& [status, n] : statuses) absl::StrAppend(&tally, " ", status, ":", n);
  GTEST_LOG_(INFO) << sent << " mutated requests (" << swept << " single replacements, "
                   << cases.size() - swept << " random with seed " << kSeed << ") in " << seconds
                   << " s; answers by status:" << tally << "; unanswered " << unanswered
                   << ", timed out " << timeouts
                   << (timeouts > 0 ? " (e.g. " + absl::StrJoin(timeout_examples, " | ") + ")"
                                    : "");
  EXPECT_EQ(refused, 0) << "connections refused: the gateway stopped listening";
  EXPECT_GE(sent, static_cast<int>(cases.size() / 2))
      << "too few requests within " << kMutationBudget.count() << " s";

  // One example per kind and corpus request, the shortest (easiest to reproduce); every kind
  // gets its first example before any gets a second.
  std::vector<std::string> examples;
  for (size_t round = 0; examples.size() < kMaxExamples; ++round) {
    bool more = false;
    for (const auto& [kind, by_seed] : server_errors) {
      if (round == 0) {
        size_t total = 0;
        for (const auto& [seed, found] : by_seed) total += found.size();
        ADD_FAILURE() << total << " answers " << kind << " (from " << by_seed.size()
                      << " corpus requests)";
      }
      if (round >= by_seed.size() || examples.size() == kMaxExamples) continue;
      more = true;
      const auto& [seed, found] = *std::next(by_seed.begin(), static_cast<long>(round));
      const size_t i = *std::min_element(found.begin(), found.end(), [&](size_t x, size_t y) {
        return cases[x].bytes.size() < cases[y].bytes.size();
      });
      examples.push_back(absl::StrCat(kind, " x", found.size(), " from \"", seed, "\" (",
                                      cases[i].description, "):\n  request: \"",
                                      Excerpt(cases[i].bytes, 2000), "\"\n  answer:  \"",
                                      Excerpt(results[i].raw, 1000), "\""));
    }
    if (!more) break;
  }
  for (const std::string& e : examples) ADD_FAILURE() << e;

  // The gateway is still up and healthy.
  const std::string pid_text = e2e::ReadFile(fs::path(stack_->dir()) / "pids" / "gateway.pid");
  int pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(pid_text), &pid)) << pid_text;
  EXPECT_EQ(::kill(pid, 0), 0) << "gateway pid " << pid << " is gone";
  EXPECT_EQ(Call(Make("GET", "/healthz")).code, 200);

  // B still has exactly its own files: nothing of A's, nothing a mutated request made.
  EXPECT_EQ(FileIds(b), b_files);
  EXPECT_EQ(Call(Make("GET", file + "/metadata", b)).code, 404);
}

// Runs after the mutations (gtest keeps the order of a file's tests): every line the services
// logged meanwhile is valid UTF-8 and a JSON object.
TEST_F(GatewayMutationE2eTest, ServiceLogLinesAreJson) {
  const fs::path logs = fs::path(stack_->dir()) / "logs";
  int files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(logs)) {
    const std::string stem = entry.path().stem().string();
    // The dependencies (NATS, PostgreSQL, Redis) write their own formats.
    if (stem == "nats" || stem == "redis" || absl::StartsWith(stem, "pg")) continue;
    ++files;
    const std::string text = e2e::ReadFile(entry.path());
    std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
    lines.pop_back();  // after the last newline: empty, or a line still being written
    int bad = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string why = BadLogLine(lines[i]);
      if (why.empty()) continue;
      if (++bad <= 5) {
        ADD_FAILURE() << entry.path().filename().string() << ":" << i + 1 << ": " << why << "\n  "
                      << Excerpt(lines[i], 1000);
      }
    }
    EXPECT_EQ(bad, 0) << entry.path().filename().string() << ": " << bad << " of " << lines.size()
                      << " lines are not valid log lines";
  }
  EXPECT_GE(files, 8) << "expected the logs of every service in " << logs;
}

}  // namespace
}  // namespace datamesh
