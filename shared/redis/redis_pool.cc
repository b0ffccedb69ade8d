#include "shared/redis/redis_pool.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/status/status.h"

namespace datamesh::redis {
namespace {

absl::StatusOr<Reply> ReplyOrStatus(Reply reply) {
  if (reply.is_error()) return internal::ErrorReplyToStatus(reply.str());
  return reply;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisPool>> RedisPool::Create(const RedisOptions& options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("redis: pool_size must be >= 1");
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("redis: timeout must be positive");
  }
  ASSIGN_OR_RETURN(internal::Endpoint endpoint, internal::ParseRedisUrl(options.url));
  std::unique_ptr<RedisPool> pool(new RedisPool(options, std::move(endpoint)));
  RETURN_IF_ERROR(pool->PingOnce());
  return pool;
}

RedisPool::RedisPool(RedisOptions options, internal::Endpoint endpoint)
    : options_(std::move(options)), endpoint_(std::move(endpoint)) {}

RedisPool::~RedisPool() { Close(); }

absl::Status RedisPool::PingOnce() {
  ASSIGN_OR_RETURN(Reply reply, Command({"PING"}));
  if (reply.type() != Reply::Type::kStatus || reply.str() != "PONG") {
    return absl::InternalError(absl::StrCat("redis: unexpected PING reply ", reply.DebugString()));
  }
  return absl::OkStatus();
}

absl::Status RedisPool::Ping() {
  absl::Status status = PingOnce();
  // PING has no effect, so unlike other commands it may be repeated after a transport error.
  if (absl::IsUnavailable(status)) status = PingOnce();
  return status;
}

absl::StatusOr<Reply> RedisPool::Command(const std::vector<std::string>& args) {
  if (args.empty()) return absl::InvalidArgumentError("redis: empty command");
  ASSIGN_OR_RETURN(std::vector<Reply> replies, Exchange({args}));
  return ReplyOrStatus(std::move(replies.front()));
}

absl::StatusOr<std::vector<Reply>> RedisPool::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  for (const auto& command : commands) {
    if (command.empty()) return absl::InvalidArgumentError("redis: empty command in pipeline");
  }
  if (commands.empty()) return std::vector<Reply>();
  return Exchange(commands);
}

absl::StatusOr<Reply> RedisPool::Eval(const Script& script, const std::vector<std::string>& keys,
                                      const std::vector<std::string>& args) {
  std::vector<std::string> command = {"EVALSHA", script.sha1(), std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  ASSIGN_OR_RETURN(std::vector<Reply> replies, Exchange({command}));
  // NOSCRIPT means the script did not run, so sending it in full cannot run it twice.
  if (replies.front().is_error() && absl::StartsWith(replies.front().str(), "NOSCRIPT")) {
    command[0] = "EVAL";
    command[1] = script.source();
    ASSIGN_OR_RETURN(replies, Exchange({command}));
  }
  return ReplyOrStatus(std::move(replies.front()));
}

absl::StatusOr<std::vector<Reply>> RedisPool::Exchange(
    const std::vector<std::vector<std::string>>& commands) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Acquire());
  absl::StatusOr<std::vector<Reply>> replies = conn->Exchange(commands);
  Release(std::move(conn));
  return replies;
}

absl::StatusOr<std::unique_ptr<internal::Connection>> RedisPool::Acquire() {
  const absl::Time deadline = absl::Now() + options_.timeout;
  std::unique_ptr<Connection> stale;
  {
    absl::MutexLock lock(&mu_);
    const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || !idle_.empty() || open_ < options_.pool_size;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&ready), deadline)) {
      return absl::DeadlineExceededError(absl::StrCat("redis: no free connection within ",
                                                      absl::FormatDuration(options_.timeout),
                                                      " (pool size ", options_.pool_size, ")"));
    }
    if (closed_) return absl::UnavailableError("redis: pool is closed");
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->LooksUsable()) return conn;
      stale = std::move(conn);  // its slot in open_ passes to the replacement
    } else {
      ++open_;
    }
  }
  stale.reset();
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(endpoint_, options_.timeout);
  if (!conn.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return conn;
}

void RedisPool::Release(std::unique_ptr<Connection> conn) {
  {
    absl::MutexLock lock(&mu_);
    if (!conn->broken() && !closed_) {
      idle_.push_back(std::move(conn));
      return;
    }
    --open_;
  }
  conn.reset();
}

void RedisPool::Close() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    idle.swap(idle_);
    open_ -= static_cast<int>(idle.size());
  }
  idle.clear();
}

}  // namespace datamesh::redis
