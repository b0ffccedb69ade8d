// Raw HTTP/1.1 over one TCP connection: the socket calls and the parsing of what came back.
#include "tests/e2e/mutation/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace datamesh::e2e::mutation {
namespace {

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

// Reads the status line and headers of `head` (an answer up to its blank line) into `a`; false
// if the status line is not one.
bool ParseHead(absl::string_view head, Answer& a) {
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  if (lines[0].size() < 12 || !absl::SimpleAtoi(lines[0].substr(9, 3), &a.status)) return false;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) continue;
    a.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  return true;
}

// How many bytes of `raw` from `body_at` are the body of `a`; what follows is the next answer.
size_t BodyLength(absl::string_view raw, size_t body_at, Answer& a) {
  const size_t length = raw.size() - body_at;
  uint64_t declared = 0;
  if (a.status < 200 || a.status == 204 || a.status == 304 ||
      absl::StartsWith(raw.substr(body_at), "HTTP/1.")) {
    return 0;
  }
  if (absl::AsciiStrToLower(a.headers["transfer-encoding"]) == "chunked") {
    return ChunkedLength(raw, body_at).value_or(length);
  }
  if (a.headers.contains("content-length") &&
      absl::SimpleAtoi(a.headers["content-length"], &declared)) {
    return std::min<uint64_t>(declared, length);
  }
  return length;
}

// A socket connected to 127.0.0.1:`port` whose sends give up after `timeout`, or -1.
int Connect(uint16_t port, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
             .tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Writes `request` to `fd` as far as the server takes it. The server may answer and close
// before it has read everything (e.g. 431): then writing stops.
void WriteAll(int fd, const std::string& request) {
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
}

// Appends to `ex.raw` what `fd` reads until the server closes, `timeout` passes or
// kMaxAnswerBytes have come.
void ReadAll(int fd, std::chrono::milliseconds timeout, Exchange& ex) {
  using Clock = std::chrono::steady_clock;
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
}

}  // namespace

std::vector<Answer> ParseAnswers(absl::string_view raw) {
  std::vector<Answer> out;
  size_t pos = 0;
  while (pos < raw.size() && absl::StartsWith(raw.substr(pos), "HTTP/1.")) {
    const size_t head_end = raw.find("\r\n\r\n", pos);
    if (head_end == absl::string_view::npos) break;
    Answer a;
    if (!ParseHead(raw.substr(pos, head_end - pos), a)) break;
    const size_t body_at = head_end + 4;
    if (a.status == 101) {
      out.push_back(std::move(a));
      break;
    }
    const size_t length = BodyLength(raw, body_at, a);
    a.body = std::string(raw.substr(body_at, length));
    out.push_back(std::move(a));
    pos = body_at + length;
  }
  return out;
}

Exchange SendRaw(uint16_t port, const std::string& request, std::chrono::milliseconds timeout) {
  Exchange ex;
  const int fd = Connect(port, timeout);
  if (fd < 0) return ex;
  ex.connected = true;
  WriteAll(fd, request);
  ::shutdown(fd, SHUT_WR);
  ReadAll(fd, timeout, ex);
  ::close(fd);
  ex.answers = ParseAnswers(ex.raw);
  return ex;
}

}  // namespace datamesh::e2e::mutation
