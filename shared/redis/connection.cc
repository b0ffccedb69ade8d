#include "shared/redis/connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/status/status.h"

namespace datamesh::redis::internal {
namespace {

// hiredis 0.14 writes with write(2), so a write to a connection the server has closed raises
// SIGPIPE, which kills a process that has not chosen to ignore it. The signal is blocked on this
// thread for the duration of the I/O and a SIGPIPE raised meanwhile is consumed, leaving the
// process's signal disposition alone (libpq does the same where it cannot use MSG_NOSIGNAL).
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;
  ~ScopedSigpipeBlock() {
    const int saved_errno = errno;
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    errno = saved_errno;
  }

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

Reply Convert(const redisReply& r) {
  switch (r.type) {
    case REDIS_REPLY_INTEGER: return Reply::Integer(r.integer);
    case REDIS_REPLY_STRING: return Reply::String(std::string(r.str, r.len));
    case REDIS_REPLY_STATUS: return Reply::Status(std::string(r.str, r.len));
    case REDIS_REPLY_ERROR: return Reply::Error(std::string(r.str, r.len));
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i) elements.push_back(Convert(*r.element[i]));
      return Reply::Array(std::move(elements));
    }
    default: return Reply::Nil();
  }
}

absl::Status ParsePort(std::string_view text, int* port) {
  if (!absl::SimpleAtoi(absl::string_view(text.data(), text.size()), port) || *port <= 0 ||
      *port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("redis: bad port \"", std::string(text), "\""));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Endpoint> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis: url must start with redis://, got \"", std::string(url), "\""));
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find('?') != std::string_view::npos) {
    return absl::InvalidArgumentError("redis: url options (?...) are not supported");
  }
  Endpoint endpoint;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos && slash + 1 < rest.size()) {
    std::string_view db = rest.substr(slash + 1);
    if (!absl::SimpleAtoi(absl::string_view(db.data(), db.size()), &endpoint.db) ||
        endpoint.db < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("redis: bad database number \"", std::string(db), "\""));
    }
  }
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError("redis: credentials must be written [user]:password@");
    }
    endpoint.username = std::string(userinfo.substr(0, colon));
    endpoint.password = std::string(userinfo.substr(colon + 1));
    authority = authority.substr(at + 1);
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return absl::InvalidArgumentError("redis: bad IPv6 host");
    endpoint.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return absl::InvalidArgumentError("redis: bad IPv6 host");
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (endpoint.host.empty()) return absl::InvalidArgumentError("redis: url has no host");
  if (!port.empty()) RETURN_IF_ERROR(ParsePort(port, &endpoint.port));
  return endpoint;
}

absl::Status ErrorReplyToStatus(const std::string& message) {
  const std::string prefix = message.substr(0, message.find(' '));
  absl::StatusCode code = absl::StatusCode::kInternal;
  if (prefix == "WRONGTYPE") {
    code = absl::StatusCode::kFailedPrecondition;
  } else if (prefix == "LOADING" || prefix == "BUSY" || prefix == "READONLY" ||
             prefix == "MASTERDOWN" || prefix == "TRYAGAIN" || prefix == "CLUSTERDOWN") {
    code = absl::StatusCode::kUnavailable;
  } else if (prefix == "OOM") {
    code = absl::StatusCode::kResourceExhausted;
  } else if (prefix == "NOAUTH" || prefix == "WRONGPASS" || prefix == "NOPERM") {
    code = absl::StatusCode::kPermissionDenied;
  } else if (prefix == "EXECABORT") {
    code = absl::StatusCode::kAborted;
  } else if (prefix == "NOSCRIPT") {
    code = absl::StatusCode::kNotFound;
  }
  return absl::Status(code, absl::StrCat("redis: ", message));
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const Endpoint& endpoint,
                                                             absl::Duration timeout) {
  const timeval tv = absl::ToTimeval(timeout);
  redisContext* context = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, tv);
  if (context == nullptr) return absl::ResourceExhaustedError("redis: cannot allocate context");
  if (context->err != 0) {
    absl::Status status = absl::UnavailableError(absl::StrCat(
        "redis: cannot connect to ", endpoint.host, ":", endpoint.port, ": ", context->errstr));
    redisFree(context);
    return status;
  }
  // Without a read/write timeout a stalled server would hang the caller forever.
  redisSetTimeout(context, tv);
  redisEnableKeepAlive(context);
  std::unique_ptr<Connection> conn(new Connection(context));

  std::vector<std::vector<std::string>> setup;
  if (!endpoint.password.empty()) {
    if (endpoint.username.empty()) {
      setup.push_back({"AUTH", endpoint.password});
    } else {
      setup.push_back({"AUTH", endpoint.username, endpoint.password});
    }
  }
  if (endpoint.db != 0) setup.push_back({"SELECT", std::to_string(endpoint.db)});
  if (setup.empty()) return conn;
  ASSIGN_OR_RETURN(std::vector<Reply> replies, conn->Exchange(setup));
  for (const Reply& reply : replies) {
    if (reply.is_error()) return ErrorReplyToStatus(reply.str());
  }
  return conn;
}

Connection::~Connection() { redisFree(context_); }

absl::StatusOr<std::vector<Reply>> Connection::Exchange(
    const std::vector<std::vector<std::string>>& commands) {
  if (broken_) return absl::UnavailableError("redis: connection is broken");
  ScopedSigpipeBlock no_sigpipe;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::vector<std::string>& command : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return Fail(errno);
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return Fail(errno);
    std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                       freeReplyObject);
    replies.push_back(Convert(*reply));
  }
  return replies;
}

absl::Status Connection::Fail(int saved_errno) {
  // Replies may still be on their way: the connection can never be trusted again.
  broken_ = true;
  if (context_->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)) {
    return absl::DeadlineExceededError("redis: no reply within the timeout");
  }
  return absl::UnavailableError(absl::StrCat("redis: ", context_->errstr));
}

bool Connection::LooksUsable() const {
  if (broken_ || context_->err != 0 || context_->fd < 0) return false;
  pollfd pfd{context_->fd, POLLIN, 0};
  return ::poll(&pfd, 1, 0) == 0;
}

}  // namespace datamesh::redis::internal
