#include "tools/thrash/stack_control.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace datamesh::thrash {

absl::StatusOr<std::string> RunCommand(const std::string& command) {
  const std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen failed for: " + command);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int rc = pclose(pipe);
  if (rc != 0) {
    const int code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return absl::FailedPreconditionError(
        absl::StrCat("`", command, "` exited with ", code, ": ", out));
  }
  return out;
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

absl::StatusOr<std::string> StackControl::Env(const std::string& key) const {
  std::ifstream in(dir_ + "/env");
  std::string value;
  bool found = false;
  // The last line wins, as devstack's own env_get reads it.
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) {
      value = line.substr(key.size() + 1);
      found = true;
    }
  }
  if (!found) return absl::NotFoundError(absl::StrCat(key, " is not in ", dir_, "/env"));
  return value;
}

absl::StatusOr<std::string> StackControl::AdminPassword() const {
  std::ifstream in(dir_ + "/admin-password");
  std::string password;
  if (!std::getline(in, password) || password.empty()) {
    return absl::NotFoundError(absl::StrCat("cannot read ", dir_, "/admin-password"));
  }
  return password;
}

absl::Status StackControl::Devstack(const std::string& args) const {
  return RunCommand(absl::StrCat(ShellQuote(devstack_), " ", args)).status();
}

absl::Status StackControl::KillInstance(const std::string& name) const {
  return Devstack(absl::StrCat("kill-instance --dir ", ShellQuote(dir_), " ", ShellQuote(name)));
}

absl::Status StackControl::StartInstance(const std::string& name) const {
  return Devstack(absl::StrCat("start-instance --dir ", ShellQuote(dir_), " --bin ",
                               ShellQuote(bin_), " ", ShellQuote(name)));
}

absl::Status StackControl::StopDependency(const std::string& name) const {
  return Devstack(absl::StrCat("dep-stop --dir ", ShellQuote(dir_), " ", ShellQuote(name)));
}

absl::Status StackControl::StartDependency(const std::string& name) const {
  return Devstack(absl::StrCat("dep-start --dir ", ShellQuote(dir_), " ", ShellQuote(name)));
}

absl::Status StackControl::Signal(const std::string& name, int signal) const {
  const std::string file = absl::StrCat(dir_, "/pids/", name, ".pid");
  std::ifstream in(file);
  long pid = 0;
  if (!(in >> pid) || pid <= 1) return absl::NotFoundError("no pid in " + file);
  if (kill(static_cast<pid_t>(pid), signal) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot signal ", name, " (pid ", pid, ")"));
  }
  return absl::OkStatus();
}

absl::Status StackControl::Pause(const std::string& name) const { return Signal(name, SIGSTOP); }
absl::Status StackControl::Resume(const std::string& name) const { return Signal(name, SIGCONT); }

std::string StackControl::Unhealthy(int chunk_stores) const {
  std::vector<std::string> problems;
  std::ifstream in(dir_ + "/env");
  static const std::regex kGrpcAddr("^DM_([A-Z0-9_]+)_GRPC_ADDR=(.+)$");
  std::map<std::string, std::string> addresses;  // the last line of a key wins
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kGrpcAddr)) addresses[m[1]] = m[2];
  }
  if (addresses.empty()) problems.push_back("no service addresses in " + dir_ + "/env");
  for (const auto& [name, addr] : addresses) {
    std::string probe = absl::StrCat(ShellQuote(bin_ + "/dm-health"), " --addr ", ShellQuote(addr));
    if (name == "DHT") absl::StrAppend(&probe, " --up-nodes ", chunk_stores);
    if (absl::StatusOr<std::string> out = RunCommand(probe); !out.ok()) {
      problems.push_back(absl::StrCat(name, " at ", addr, " is not SERVING",
                                      name == "DHT" ? " (or lists too few nodes up)" : ""));
    }
  }
  absl::StatusOr<std::string> gateway = Env("DM_GATEWAY_URL");
  if (!gateway.ok() ||
      !RunCommand(absl::StrCat("curl -sf -o /dev/null ", ShellQuote(*gateway + "/readyz"))).ok()) {
    problems.push_back("the gateway's /readyz does not answer 200");
  }
  return absl::StrJoin(problems, "; ");
}

absl::Status StackControl::WaitHealthy(int chunk_stores, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  std::string problems = Unhealthy(chunk_stores);
  while (!problems.empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Seconds(1));
    problems = Unhealthy(chunk_stores);
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::DeadlineExceededError(absl::StrCat("the stack is not healthy after ",
                                                  absl::FormatDuration(timeout), ": ", problems));
}

}  // namespace datamesh::thrash
