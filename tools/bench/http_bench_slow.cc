// dm-http-bench --scenario slow: the gateway's edge while many clients stall mid-upload.
// Registers --slow-users users (default tier) and one more, who uploads a 1 MiB file. Each of
// the first opens --slow-per-user connections that send an upload's header (Content-Length
// 10^8) and 1 KiB of its body, then nothing more. The gateway admits as many per user as its
// --max-transfers-per-user and answers the rest 429 at once. While the admitted ones stall: GET
// /healthz --slow-probes times on a new connection each, then as many on one keep-alive
// connection; the other user's download (every byte checked); the gateway's resident memory
// and threads (/proc of --gateway-pid) before, during (peak sampled every 20 ms) and after.
// Then it waits for the gateway to cut the stalled uploads (under --min-transfer-bytes per
// --min-transfer-window) and closes every socket. It ends --slow-seconds after its first
// stalled upload whatever happens: raw sockets with deadlines, so a stuck gateway cannot hang
// it. Only a wrong downloaded byte is an error; missed targets are reported in a row.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "shared/status/status.h"
#include "tools/bench/bench_report.h"
#include "tools/bench/http_bench.h"

namespace datamesh::bench {
namespace {

constexpr uint64_t kDeclaredBytes = 100'000'000;
constexpr size_t kSentBytes = 1024;
constexpr uint64_t kProbeFileBytes = uint64_t{1} << 20;
constexpr uint64_t kProbeFile = 7;                     // its content's file number
constexpr uint64_t kStalledFiles = 1'000'000;          // content file numbers of stalled bodies
constexpr auto kOpTimeout = std::chrono::seconds(10);  // one probe or download at most
constexpr auto kAfterPause = std::chrono::seconds(2);  // between closing and the last sample
constexpr double kTargetProbeP99Ms = 100;
constexpr int64_t kTargetRssMiB = 256;

using Deadline = Clock::time_point;

absl::Status SysError(const char* what, int err) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(err)));
}

// A file descriptor, closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// The gateway's address, from --url (http://host:port).
struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string host;  // the Host header
};

absl::StatusOr<Endpoint> Resolve(const std::string& url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "http://")) {
    return absl::InvalidArgumentError("the slow scenario needs an http:// --url");
  }
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  const bool has_port = colon != absl::string_view::npos && rest.find(']', colon) == rest.npos;
  absl::string_view host = has_port ? rest.substr(0, colon) : rest;
  absl::ConsumePrefix(&host, "[");
  absl::ConsumeSuffix(&host, "]");
  const std::string host_text(host);
  const std::string port(has_port ? rest.substr(colon + 1) : "80");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host_text.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot resolve ", url));
  }
  Endpoint e;
  std::memcpy(&e.addr, found->ai_addr, found->ai_addrlen);
  e.len = found->ai_addrlen;
  e.host = std::string(rest);
  ::freeaddrinfo(found);
  return e;
}

// Waits for `events` on `fd` until `deadline`; false when it passed.
bool Await(int fd, short events, Deadline deadline) {
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (n > 0) return true;  // errors show in the call that follows
    if (n < 0 && errno != EINTR) return false;
  }
}

// A non-blocking TCP connection to the gateway.
absl::StatusOr<Fd> Connect(const Endpoint& e, Deadline deadline) {
  Fd fd(::socket(e.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return SysError("socket", errno);
  const int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&e.addr), e.len) != 0) {
    if (errno != EINPROGRESS) return SysError("connect", errno);
    if (!Await(fd.get(), POLLOUT, deadline)) return absl::DeadlineExceededError("connect");
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return SysError("connect", err);
  }
  return fd;
}

absl::Status SendAll(int fd, absl::string_view data, Deadline deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return SysError("send", errno);
    } else if (n < 0 && errno != EINTR && !Await(fd, POLLOUT, deadline)) {
      return absl::DeadlineExceededError("send");
    }
  }
  return absl::OkStatus();
}

// Appends what `fd` has to `buffer`, waiting for at least one byte until `deadline`.
absl::Status ReadMore(int fd, std::string& buffer, Deadline deadline) {
  char chunk[64 * 1024];
  while (true) {
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer.append(chunk, static_cast<size_t>(n));
      return absl::OkStatus();
    }
    if (n == 0) return absl::UnavailableError("the gateway closed the connection");
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return SysError("recv", errno);
    if (!Await(fd, POLLIN, deadline)) return absl::DeadlineExceededError("no answer in time");
  }
}

// The status of an answer's head ("HTTP/1.1 429 ..."), 0 if it is not one.
int StatusOf(absl::string_view head) {
  int status = 0;
  if (head.size() < 12 || !absl::StartsWith(head, "HTTP/1.") ||
      !absl::SimpleAtoi(head.substr(9, 3), &status)) {
    return 0;
  }
  return status;
}

// A header's value in an answer's head (names are case-insensitive).
std::optional<std::string> HeaderOf(absl::string_view head, absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(head);
  const size_t at = lower.find(absl::StrCat("\r\n", absl::AsciiStrToLower(name), ":"));
  if (at == std::string::npos) return std::nullopt;
  const size_t from = at + name.size() + 3;
  return std::string(absl::StripAsciiWhitespace(head.substr(from, head.find("\r\n", from) - from)));
}

struct Answer {
  int status = 0;
  std::string body;
};

// Reads one answer framed by Content-Length; `buffer` holds what was read before and keeps what
// follows the answer (keep-alive).
absl::StatusOr<Answer> ReadAnswer(int fd, std::string& buffer, Deadline deadline) {
  size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    RETURN_IF_ERROR(ReadMore(fd, buffer, deadline));
  }
  const absl::string_view head(buffer.data(), head_end + 2);
  Answer a{.status = StatusOf(head)};
  uint64_t length = 0;
  const std::optional<std::string> declared = HeaderOf(head, "Content-Length");
  if (a.status == 0 || !declared || !absl::SimpleAtoi(*declared, &length)) {
    return absl::DataLossError(absl::StrCat("unexpected answer: ", head));
  }
  const size_t body_at = head_end + 4;
  while (buffer.size() < body_at + length) RETURN_IF_ERROR(ReadMore(fd, buffer, deadline));
  a.body = buffer.substr(body_at, length);
  buffer.erase(0, body_at + length);
  return a;
}

std::string RequestText(const Endpoint& e, absl::string_view method, absl::string_view target,
                        absl::string_view headers) {
  return absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: ", e.host, "\r\n", headers, "\r\n");
}

// Times `count` GET /healthz in ms: each on a new connection, or all on one kept alive.
absl::StatusOr<std::vector<double>> TimeHealthz(const Endpoint& e, int64_t count, bool keep_alive,
                                                Deadline deadline) {
  const std::string request =
      RequestText(e, "GET", "/healthz", keep_alive ? "" : "Connection: close\r\n");
  std::vector<double> ms;
  Fd fd;
  std::string buffer;
  for (int64_t i = 0; i < count; ++i) {
    const auto start = Clock::now();
    const Deadline until = std::min(deadline, start + kOpTimeout);
    if (fd.get() < 0) {
      ASSIGN_OR_RETURN(fd, Connect(e, until));
      buffer.clear();
    }
    RETURN_IF_ERROR(SendAll(fd.get(), request, until));
    ASSIGN_OR_RETURN(Answer a, ReadAnswer(fd.get(), buffer, until));
    if (a.status != 200) return absl::UnknownError(absl::StrCat("/healthz answered ", a.status));
    ms.push_back(Since(start) * 1e3);
    if (!keep_alive) fd.Reset();
  }
  return ms;
}

// Downloads file `id` as `token` and checks it is the probe file: its time in s. DATA_LOSS for
// a wrong byte.
absl::StatusOr<double> TimedDownload(const Endpoint& e, const std::string& token,
                                     const std::string& id, const Content& content,
                                     Deadline deadline) {
  const auto start = Clock::now();
  deadline = std::min(deadline, start + kOpTimeout);
  ASSIGN_OR_RETURN(Fd fd, Connect(e, deadline));
  RETURN_IF_ERROR(SendAll(
      fd.get(),
      RequestText(e, "GET", "/api/v1/files/" + id,
                  absl::StrCat("Authorization: Bearer ", token, "\r\nConnection: close\r\n")),
      deadline));
  std::string buffer;
  ASSIGN_OR_RETURN(Answer a, ReadAnswer(fd.get(), buffer, deadline));
  const double seconds = Since(start);
  if (a.status != 200) return absl::UnknownError(absl::StrCat("answered ", a.status, ": ", a.body));
  std::string expected(kProbeFileBytes, '\0');
  content.Fill(kProbeFile, 0, expected.size(), expected.data());
  if (a.body != expected) return absl::DataLossError("the 1 MiB download has wrong bytes");
  return seconds;
}

// One stalled upload and what the gateway did with it. Times in s since the scenario started.
struct Stalled {
  Fd fd;
  double sent_at = -1;   // when its header and 1 KiB were out; -1 if they never were
  double ended_at = -1;  // when it was answered or closed; -1 while open
  int status = 0;        // the answer's status; 0 for none
  bool retry_after = false;
  std::string head;  // the answer's head so far
};

// The stalled uploads, watched on a thread of its own from before the first is opened: each
// answer or close is recorded as it comes, and that socket closed.
class StalledWatch {
 public:
  StalledWatch(size_t count, Clock::time_point start)
      : conns_(count), start_(start), thread_([this] { Run(); }) {}
  ~StalledWatch() { Finish(); }
  StalledWatch(const StalledWatch&) = delete;
  StalledWatch& operator=(const StalledWatch&) = delete;

  // Upload `i` has sent its header and 1 KiB on `fd`.
  void Sent(size_t i, Fd fd) {
    std::lock_guard<std::mutex> lock(mu_);
    conns_[i].fd = std::move(fd);
    conns_[i].sent_at = Since(start_);
    ++open_;
    last_event_ = Clock::now();
  }
  // Waits until no upload has been sent or has ended for `quiet`, or until `deadline`.
  void WaitQuiet(std::chrono::milliseconds quiet, Deadline deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    while (Clock::now() < deadline && Clock::now() - last_event_ < quiet) {
      changed_.wait_until(lock, std::min(deadline, last_event_ + quiet));
    }
  }
  // Waits until every upload has ended, or until `deadline`.
  void WaitAllEnded(Deadline deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_until(lock, deadline, [this] { return open_ == 0; });
  }
  int64_t open() const {
    std::lock_guard<std::mutex> lock(mu_);
    return open_;
  }
  // Stops watching and hands the uploads over (sockets still open stay so).
  std::vector<Stalled> Finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    if (thread_.joinable()) thread_.join();
    return std::move(conns_);
  }

 private:
  void Run() {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      fds.clear();
      which.clear();
      for (size_t i = 0; i < conns_.size(); ++i) {
        if (conns_[i].fd.get() < 0) continue;
        fds.push_back({conns_[i].fd.get(), POLLIN, 0});
        which.push_back(i);
      }
      lock.unlock();
      if (fds.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      } else {
        ::poll(fds.data(), fds.size(), 20);
      }
      lock.lock();
      for (size_t k = 0; k < fds.size(); ++k) {
        if (fds[k].revents != 0) Read(conns_[which[k]]);
      }
    }
  }

  // Reads what `c` has; ends it at an answer's whole head, a close or an error.
  void Read(Stalled& c) {
    char chunk[4096];
    const ssize_t n = ::recv(c.fd.get(), chunk, sizeof(chunk), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n > 0) c.head.append(chunk, static_cast<size_t>(n));
    const size_t head_end = c.head.find("\r\n\r\n");
    if (n > 0 && head_end == std::string::npos && c.head.size() < 16 * 1024) return;
    c.status = StatusOf(c.head);
    c.retry_after = head_end != std::string::npos &&
                    HeaderOf(c.head.substr(0, head_end + 2), "Retry-After").has_value();
    c.ended_at = Since(start_);
    c.fd.Reset();
    --open_;
    last_event_ = Clock::now();
    changed_.notify_all();
  }

  std::vector<Stalled> conns_;
  const Clock::time_point start_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool done_ = false;
  int64_t open_ = 0;
  Clock::time_point last_event_ = Clock::now();
  std::thread thread_;
};

// Opens the stalled uploads one after another, `per_user` for each token.
void OpenStalled(const Endpoint& e, const std::vector<std::string>& tokens, int64_t per_user,
                 const Content& content, StalledWatch& watch, Deadline deadline) {
  std::string body(kSentBytes, '\0');
  for (size_t i = 0; i < tokens.size() * static_cast<size_t>(per_user); ++i) {
    const Deadline until = std::min(deadline, Clock::now() + kOpTimeout);
    absl::StatusOr<Fd> fd = Connect(e, until);
    if (!fd.ok()) continue;
    content.Fill(kStalledFiles + i, 0, body.size(), body.data());
    const std::string request =
        RequestText(e, "POST", absl::StrCat("/api/v1/files?name=slow-", i),
                    absl::StrCat("Authorization: Bearer ", tokens[i / per_user],
                                 "\r\nContent-Type: application/octet-stream\r\nContent-Length: ",
                                 kDeclaredBytes, "\r\n")) +
        body;
    if (SendAll(fd->get(), request, until).ok()) watch.Sent(i, *std::move(fd));
  }
}

// Lets this process hold `fds` more descriptors than it needs already.
void RaiseFdLimit(int64_t fds) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const auto want = static_cast<rlim_t>(fds + 256);
  if (limit.rlim_cur >= want) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? want : std::min(want, limit.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

// The gateway's resident memory (now), high-water mark and threads.
struct GatewayState {
  int64_t rss_kib, hwm_kib, threads;
};
GatewayState Sample(int64_t pid) {
  return {RssKiB(pid), ProcStatus(pid, "VmHWM:"), ProcStatus(pid, "Threads:")};
}

// "429 x600, closed x2" (status 0: closed without an answer).
std::string ByStatus(const std::map<int, int64_t>& counts) {
  std::string out;
  for (const auto& [status, n] : counts) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", status == 0 ? "closed" : absl::StrCat(status),
                    " x", n);
  }
  return out.empty() ? "none" : out;
}

std::string Failed(const absl::Status& s) { return absl::StrCat("failed: ", s.message()); }

std::string ProbeFigure(const absl::StatusOr<std::vector<double>>& ms) {
  if (!ms.ok()) return Failed(ms.status());
  return absl::StrFormat("%.1f / %.1f / %.1f ms", Percentile(*ms, 0.5), Percentile(*ms, 0.99),
                         Percentile(*ms, 1));
}

bool ProbesMet(const absl::StatusOr<std::vector<double>>& ms) {
  return ms.ok() && Percentile(*ms, 0.99) < kTargetProbeP99Ms;
}

// The users: `stallers` hold the stalled uploads; `reader` owns the 1 MiB `file`.
struct SlowUsers {
  std::vector<std::string> stallers;
  std::string reader;
  std::string file;
};

absl::StatusOr<SlowUsers> SetUpUsers(Http& http, int64_t stallers, const Content& content,
                                     uint64_t seed) {
  SlowUsers users;
  const std::string password = absl::StrCat("pw-", seed, "-slow");
  for (int64_t u = 0; u <= stallers; ++u) {
    const std::string name = absl::StrCat("slow_", seed, "_", u);
    RETURN_IF_ERROR(Register(http, name, password).status());
    ASSIGN_OR_RETURN(std::string token, Login(http, name, password));
    (u < stallers ? users.stallers.emplace_back() : users.reader) = std::move(token);
  }
  http.set_token(users.reader);
  ASSIGN_OR_RETURN(users.file, Upload(http, content, kProbeFile, kProbeFileBytes));
  return users;
}

// Everything the scenario measured. Times in s since the first stalled upload.
struct SlowRun {
  int64_t count = 0;
  double settled = 0;                     // answers had stopped coming
  double measured = 0;                    // probes and download done
  int64_t held = 0;                       // uploads open once answers had stopped
  std::map<int, int64_t> at_once, later;  // answers by status, before and after `settled`
  std::vector<double> answer_ms;          // of those at once, after sending
  std::vector<double> later_s;            // of those later, after sending
  int64_t unsent = 0, still_open = 0, no_retry_after = 0;
  absl::StatusOr<std::vector<double>> fresh, kept;  // /healthz ms
  absl::StatusOr<double> download;                  // s
  GatewayState before{}, during{}, after{};
  int64_t peak_kib = 0;
};

void Tally(const std::vector<Stalled>& conns, SlowRun& run) {
  for (const Stalled& c : conns) {
    if (c.sent_at < 0) {
      ++run.unsent;
    } else if (c.ended_at < 0) {
      ++run.still_open;
    } else if (c.ended_at <= run.settled) {
      ++run.at_once[c.status];
      run.answer_ms.push_back((c.ended_at - c.sent_at) * 1e3);
      if (c.status == 429 && !c.retry_after) ++run.no_retry_after;
    } else {
      ++run.later[c.status];
      run.later_s.push_back(c.ended_at - c.sent_at);
    }
  }
}

void Report(const Options& o, const SlowRun& r) {
  Row(absl::StrCat("slow clients: ", r.count, " uploads stalled after 1 KiB"),
      absl::StrCat(o.slow_users, " users x ", o.slow_per_user));
  Row("  answered at once / held open", absl::StrCat(ByStatus(r.at_once), " / ", r.held));
  if (r.unsent > 0) Row("  could not be sent", absl::StrCat(r.unsent));
  if (r.no_retry_after > 0) Row("  429 without Retry-After", absl::StrCat(r.no_retry_after));
  if (!r.answer_ms.empty()) {
    Row("  answer after sending, p50 / max",
        Pair(Percentile(r.answer_ms, 0.5), Percentile(r.answer_ms, 1)));
  }
  Row("  /healthz new connection, p50 / p99 / max", ProbeFigure(r.fresh));
  Row("  /healthz keep-alive, p50 / p99 / max", ProbeFigure(r.kept));
  Row("  1 MiB download by another user",
      r.download.ok() ? Fixed(*r.download * 1e3, "ms") : Failed(r.download.status()));
  Row("  gateway RSS before / peak / after",
      absl::StrCat(r.before.rss_kib / 1024, " / ", r.peak_kib / 1024, " / ", r.after.rss_kib / 1024,
                   " MiB"));
  Row("  gateway VmHWM before / after",
      absl::StrCat(r.before.hwm_kib / 1024, " / ", r.after.hwm_kib / 1024, " MiB"));
  Row("  gateway threads before / held / after",
      absl::StrCat(r.before.threads, " / ", r.during.threads, " / ", r.after.threads));
  Row("  answers stopped / probes done, after 1st upload",
      absl::StrFormat("%.1f / %.1f s", r.settled, r.measured));
  Row("  held uploads ended later",
      absl::StrCat(ByStatus(r.later), r.still_open > 0
                                          ? absl::StrCat(", still open at the end x", r.still_open)
                                          : ""));
  if (!r.later_s.empty()) {
    Row("    after sending, first / last",
        absl::StrFormat("%.1f / %.1f s", Percentile(r.later_s, 0), Percentile(r.later_s, 1)));
  }
  std::string missed;
  if (!ProbesMet(r.fresh) || !ProbesMet(r.kept)) missed += " probes";
  if (!r.download.ok()) missed += " download";
  if (r.peak_kib / 1024 > kTargetRssMiB) missed += " memory";
  Row("  targets (p99 < 100 ms, download, <= 256 MiB)",
      missed.empty() ? "met" : "missed:" + missed);
}

}  // namespace

absl::Status RunSlow(const Options& o, const Content& content, uint64_t seed) {
  if (o.gateway_pid <= 0 || RssKiB(o.gateway_pid) < 0) {
    return absl::InvalidArgumentError("slow needs --gateway-pid of a running gateway");
  }
  ASSIGN_OR_RETURN(const Endpoint endpoint, Resolve(o.url));
  SlowRun run;
  run.count = o.slow_users * o.slow_per_user;
  RaiseFdLimit(run.count);
  Http http(o.url);
  ASSIGN_OR_RETURN(const SlowUsers users, SetUpUsers(http, o.slow_users, content, seed));

  // The stalled uploads; once answers stop coming, the probes while the admitted ones are held.
  run.before = Sample(o.gateway_pid);
  RssSampler rss(o.gateway_pid);
  const auto start = Clock::now();
  const Deadline deadline = start + std::chrono::seconds(o.slow_seconds);
  StalledWatch watch(static_cast<size_t>(run.count), start);
  OpenStalled(endpoint, users.stallers, o.slow_per_user, content, watch, deadline);
  watch.WaitQuiet(std::chrono::milliseconds(1000), deadline);
  run.settled = Since(start);
  run.held = watch.open();
  run.fresh = TimeHealthz(endpoint, o.slow_probes, /*keep_alive=*/false, deadline);
  run.kept = TimeHealthz(endpoint, o.slow_probes, /*keep_alive=*/true, deadline);
  run.download = TimedDownload(endpoint, users.reader, users.file, content, deadline);
  run.during = Sample(o.gateway_pid);
  run.measured = Since(start);

  // Until the gateway has cut the held uploads, or time is up; then every socket is closed.
  watch.WaitAllEnded(deadline - kAfterPause);
  Tally(watch.Finish(), run);  // the sockets close here
  std::this_thread::sleep_for(kAfterPause);
  rss.Stop();
  run.peak_kib = rss.peak_kib();
  run.after = Sample(o.gateway_pid);
  Delete(http, {users.file});
  Report(o, run);
  if (run.download.status().code() == absl::StatusCode::kDataLoss) return run.download.status();
  return absl::OkStatus();
}

}  // namespace datamesh::bench
