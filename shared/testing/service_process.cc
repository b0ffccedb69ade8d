#include "shared/testing/service_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shared/server/health_client.h"

extern char** environ;

namespace datamesh::testing {
namespace {

bool CanBind(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// The child's environment: ours, with the stack's URLs and the caller's overrides.
std::vector<std::string> ChildEnvironment(const TestStack& stack,
                                          const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  env["DM_NATS_URL"] = stack.nats_url();
  env["DM_PG_URL"] = stack.pg_url();
  env["DM_REDIS_URL"] = stack.redis_url();
  for (const auto& [k, v] : extra) {
    if (v.empty()) {
      env.erase(k);
    } else {
      env[k] = v;
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// Claims `port` machine-wide, as devstack's free_port does (tools/devstack/lib.sh): a test and
// a stack starting at the same time could otherwise pick the same port before either binds it.
// A claim older than 10 minutes is taken over.
bool ClaimPort(int port) {
  namespace fs = std::filesystem;
  const char* tmp = std::getenv("TMPDIR");
  const fs::path claims =
      fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") / "datamesh-port-claims";
  std::error_code ec;
  fs::create_directories(claims, ec);
  const fs::path claim = claims / std::to_string(port);
  if (fs::create_directory(claim, ec)) return true;
  const auto written = fs::last_write_time(claim, ec);
  if (ec || fs::file_time_type::clock::now() - written < std::chrono::minutes(10)) return false;
  fs::last_write_time(claim, fs::file_time_type::clock::now(), ec);
  return !ec;
}

std::string Tail(const std::string& text, size_t bytes) {
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

}  // namespace

int FreePort() {
  std::random_device seed;
  std::mt19937 rng(seed());
  std::uniform_int_distribution<int> pick(10000, 31999);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = pick(rng);
    if (CanBind(port) && ClaimPort(port)) return port;
  }
  return 0;
}

absl::StatusOr<std::unique_ptr<ServiceProcess>> ServiceProcess::Start(const TestStack& stack,
                                                                      Options options) {
  const std::string grpc = absl::StrCat("127.0.0.1:", FreePort());
  const std::string bin = TestStack::BinaryDir() + "/bin/" + options.binary;
  std::vector<std::string> argv_s = {bin, "--grpc-addr=" + grpc,
                                     absl::StrCat("--metrics-addr=127.0.0.1:", FreePort())};
  argv_s.insert(argv_s.end(), options.args.begin(), options.args.end());
  std::vector<std::string> env_s = ChildEnvironment(stack, options.env);
  std::vector<char*> argv, envp;
  for (std::string& a : argv_s) argv.push_back(a.data());
  for (std::string& e : env_s) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);

  std::string log = options.log_path;
  if (log.empty())
    log = absl::StrCat(stack.dir(), "/", options.binary, "-", grpc.substr(10), ".log");
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, bin.c_str(), &files, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot start ", bin, ": errno ", rc));
  }
  std::unique_ptr<ServiceProcess> process(new ServiceProcess(pid, grpc, log));
  absl::Status ready = server::HealthClient(grpc).WaitUntilServing("", options.ready_timeout);
  if (!ready.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(options.binary, " did not become SERVING: ", ready.message(),
                     "\n--- log tail\n", Tail(process->ReadLog(), 4000)));
  }
  return process;
}

ServiceProcess::~ServiceProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

std::string ServiceProcess::ReadLog() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<int> ServiceProcess::Stop(absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  pid_t done = 0;
  while ((done = waitpid(pid_, &status, WNOHANG)) == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (done == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return absl::DeadlineExceededError("did not exit after SIGTERM; killed");
  }
  pid_ = -1;
  if (WIFSIGNALED(status)) {
    return absl::InternalError(absl::StrCat("died of signal ", WTERMSIG(status)));
  }
  return WEXITSTATUS(status);
}

}  // namespace datamesh::testing
