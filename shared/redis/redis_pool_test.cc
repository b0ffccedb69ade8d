#include "shared/redis/redis_pool.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::redis {
namespace {

using ::datamesh::testing::RunCommand;
using ::datamesh::testing::StatusIs;
using ::datamesh::testing::TestStack;

int UnusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Polls `done` every 10 ms for up to 20 s; true once it holds.
template <typename F>
bool WaitFor(F done) {
  for (int i = 0; i < 2000; ++i) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

class RedisPoolTest : public ::datamesh::testing::WithTestStack {
 protected:
  void SetUp() override {
    ASSERT_NE(stack_, nullptr) << "the test stack did not start";
    pool_ = NewPool(Options());
    ASSERT_NE(pool_, nullptr);
  }

  static RedisOptions Options() {
    RedisOptions options;
    options.url = stack_->redis_url();
    return options;
  }

  static std::unique_ptr<RedisPool> NewPool(const RedisOptions& options) {
    auto pool = RedisPool::Create(options);
    EXPECT_OK(pool);
    return pool.ok() ? std::move(*pool) : nullptr;
  }

  // A key of this test alone.
  static std::string Key(const std::string& suffix) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return absl::StrCat(info->name(), ":", suffix);
  }

  std::unique_ptr<RedisPool> pool_;
};

TEST_F(RedisPoolTest, Pings) { EXPECT_OK(pool_->Ping()); }

TEST_F(RedisPoolTest, CreateAgainstADeadPortIsUnavailable) {
  RedisOptions options = Options();
  options.url = absl::StrCat("redis://127.0.0.1:", UnusedPort());
  EXPECT_THAT(RedisPool::Create(options), StatusIs(absl::StatusCode::kUnavailable));
  options.url = "http://127.0.0.1:1";
  EXPECT_THAT(RedisPool::Create(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RedisPoolTest, SetsAndGetsBinaryValues) {
  const std::string key = Key(std::string("k\0ey", 4));
  const std::string value("\0a\0\xff\r\n$3\r\n", 11);
  auto set = pool_->Command({"SET", key, value});
  ASSERT_OK(set);
  EXPECT_EQ(*set, Reply::Status("OK"));
  auto get = pool_->Command({"GET", key});
  ASSERT_OK(get);
  EXPECT_EQ(get->type(), Reply::Type::kString);
  EXPECT_EQ(get->str(), value);
  EXPECT_EQ(get->str().size(), 11u);
  // The key with the NUL is its own key, not "k".
  auto other = pool_->Command({"GET", Key("k")});
  ASSERT_OK(other);
  EXPECT_TRUE(other->is_nil());
}

TEST_F(RedisPoolTest, ReturnsIntegersAndArrays) {
  const std::string list = Key("list");
  auto pushed = pool_->Command({"RPUSH", list, "a", "", std::string("\0", 1)});
  ASSERT_OK(pushed);
  EXPECT_EQ(*pushed, Reply::Integer(3));
  auto range = pool_->Command({"LRANGE", list, "0", "-1"});
  ASSERT_OK(range);
  EXPECT_EQ(*range, Reply::Array({Reply::String("a"), Reply::String(""),
                                  Reply::String(std::string("\0", 1))}));
}

TEST_F(RedisPoolTest, ErrorRepliesBecomeStatusesWithTheirMessage) {
  const std::string key = Key("s");
  ASSERT_OK(pool_->Command({"SET", key, "text"}));
  auto wrong_type = pool_->Command({"LPUSH", key, "x"});
  EXPECT_THAT(wrong_type, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(wrong_type.status().message().find("WRONGTYPE"), absl::string_view::npos);
  auto not_integer = pool_->Command({"INCR", key});
  EXPECT_THAT(not_integer, StatusIs(absl::StatusCode::kInternal));
  EXPECT_NE(not_integer.status().message().find("not an integer"), absl::string_view::npos);
  EXPECT_THAT(pool_->Command({}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(pool_->Ping());  // an error reply leaves the connection healthy
}

TEST_F(RedisPoolTest, PipelinesCommandsAndKeepsTheirErrorReplies) {
  const std::string key = Key("n");
  auto replies = pool_->Pipeline(
      {{"SET", key, "1"}, {"INCR", key}, {"LPUSH", key, "x"}, {"INCRBY", key, "10"}, {"GET", key}});
  ASSERT_OK(replies);
  ASSERT_EQ(replies->size(), 5u);
  EXPECT_EQ((*replies)[0], Reply::Status("OK"));
  EXPECT_EQ((*replies)[1], Reply::Integer(2));
  EXPECT_TRUE((*replies)[2].is_error());
  EXPECT_EQ((*replies)[3], Reply::Integer(12));
  EXPECT_EQ((*replies)[4], Reply::String("12"));
  auto none = pool_->Pipeline({});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  EXPECT_THAT(pool_->Pipeline({{"PING"}, {}}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RedisPoolTest, EvalLoadsAScriptTheServerDoesNotKnow) {
  const Script script(
      "local n = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
      "if n > tonumber(ARGV[2]) then\n"
      "  redis.call('DECRBY', KEYS[1], ARGV[1])\n"
      "  return -1\n"
      "end\n"
      "return n");
  ASSERT_OK(pool_->Command({"SCRIPT", "FLUSH"}));
  auto exists = pool_->Command({"SCRIPT", "EXISTS", script.sha1()});
  ASSERT_OK(exists);
  EXPECT_EQ(*exists, Reply::Array({Reply::Integer(0)}));

  const std::string key = Key("reserved");
  auto first = pool_->Eval(script, {key}, {"5", "12"});  // NOSCRIPT, then EVAL
  ASSERT_OK(first);
  EXPECT_EQ(*first, Reply::Integer(5));
  exists = pool_->Command({"SCRIPT", "EXISTS", script.sha1()});
  ASSERT_OK(exists);
  EXPECT_EQ(*exists, Reply::Array({Reply::Integer(1)}));
  EXPECT_EQ(*pool_->Eval(script, {key}, {"5", "12"}), Reply::Integer(10));
  EXPECT_EQ(*pool_->Eval(script, {key}, {"5", "12"}), Reply::Integer(-1));
  EXPECT_EQ(*pool_->Command({"GET", key}), Reply::String("10"));

  // The locally computed name is the server's.
  auto loaded = pool_->Command({"SCRIPT", "LOAD", script.source()});
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->str(), script.sha1());
}

TEST_F(RedisPoolTest, ScriptErrorsAreInternal) {
  const Script script("return redis.error_reply('LIMIT reached')");
  auto result = pool_->Eval(script, {}, {});
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInternal));
  EXPECT_NE(result.status().message().find("LIMIT reached"), absl::string_view::npos);
}

TEST_F(RedisPoolTest, ASlowReplyTimesOutAndTheConnectionIsReplaced) {
  RedisOptions options = Options();
  options.pool_size = 1;
  options.timeout = absl::Milliseconds(200);
  auto pool = NewPool(options);
  ASSERT_NE(pool, nullptr);
  // Blocks server-side forever; the client gives up after the timeout.
  EXPECT_THAT(pool->Command({"BLPOP", Key("never"), "0"}),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  // The connection that may still receive the late reply is gone; the next call is clean.
  auto echo = pool->Command({"ECHO", "fresh"});
  ASSERT_OK(echo);
  EXPECT_EQ(*echo, Reply::String("fresh"));
}

TEST_F(RedisPoolTest, CallsFromEightThreadsAreCorrect) {
  const std::string counter = Key("counter");
  constexpr int kThreads = 8, kPerThread = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = Key(absl::StrCat("own", t));
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_OK(pool_->Command({"INCR", counter}));
        auto replies = pool_->Pipeline({{"SET", own, absl::StrCat(t, ":", i)}, {"GET", own}});
        ASSERT_OK(replies);
        ASSERT_EQ(replies->size(), 2u);
        EXPECT_EQ((*replies)[1], Reply::String(absl::StrCat(t, ":", i)));
      }
    });
  }
  for (auto& t : threads) t.join();
  auto total = pool_->Command({"GET", counter});
  ASSERT_OK(total);
  EXPECT_EQ(*total->AsInteger(), kThreads * kPerThread);
}

TEST_F(RedisPoolTest, RecoversAfterRedisRestarts) {
  RedisOptions options = Options();
  options.pool_size = 2;
  auto pool = NewPool(options);
  ASSERT_NE(pool, nullptr);
  // Two idle connections in the pool.
  ASSERT_OK(pool->Pipeline({{"SET", Key("k"), "before"}}));
  std::thread other([&] { EXPECT_OK(pool->Ping()); });
  EXPECT_OK(pool->Ping());
  other.join();

  const std::string pid_file = stack_->dir() + "/pids/redis.pid";
  std::string pid_text;
  std::ifstream(pid_file) >> pid_text;
  int pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(pid_text, &pid)) << pid_text;
  const std::string url = stack_->redis_url();
  const std::string port = url.substr(url.rfind(':') + 1);
  const std::string ping = "redis-cli -p " + port + " ping";
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  ASSERT_TRUE(WaitFor([&] { return !RunCommand(ping).ok(); }));

  // Down: calls fail fast with UNAVAILABLE.
  EXPECT_THAT(pool->Command({"GET", Key("k")}), StatusIs(absl::StatusCode::kUnavailable));

  // The same server again, as tools/devstack/lib.sh start_redis runs it.
  const std::string dir = stack_->dir();
  ASSERT_OK(RunCommand(absl::StrCat("redis-server --port ", port,
                                    " --bind 127.0.0.1 --save '' --appendonly no --dir ", dir,
                                    "/redis --daemonize yes --pidfile ", dir,
                                    "/pids/redis.pid --logfile ", dir, "/logs/redis.log")));
  ASSERT_TRUE(WaitFor([&] { return RunCommand(ping).ok(); }));

  // The first call may still fail with UNAVAILABLE; one of the next few must succeed, and it
  // talks to the new server (which started empty).
  absl::StatusOr<Reply> get = absl::UnknownError("not tried");
  for (int i = 0; i <= options.pool_size && !get.ok(); ++i) {
    get = pool->Command({"GET", Key("k")});
    if (!get.ok()) {
      EXPECT_THAT(get, StatusIs(absl::StatusCode::kUnavailable));
    }
  }
  ASSERT_OK(get);
  EXPECT_TRUE(get->is_nil());
  EXPECT_OK(pool->Ping());
  EXPECT_OK(pool_->Ping());  // the suite's own pool recovers too
}

TEST_F(RedisPoolTest, CloseMakesLaterCallsUnavailable) {
  pool_->Close();
  EXPECT_THAT(pool_->Ping(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(pool_->Command({"PING"}), StatusIs(absl::StatusCode::kUnavailable));
  pool_->Close();
}

}  // namespace
}  // namespace datamesh::redis
