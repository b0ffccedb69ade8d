#include "shared/testing/test_stack.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

#ifndef DM_DEFAULT_SOURCE_DIR
#define DM_DEFAULT_SOURCE_DIR "."
#endif
#ifndef DM_DEFAULT_BINARY_DIR
#define DM_DEFAULT_BINARY_DIR "./build"
#endif

namespace datamesh::testing {
namespace {

std::string EnvOr(const char* key, const char* fallback) {
  const char* v = std::getenv(key);
  return (v != nullptr && *v != '\0') ? v : fallback;
}

std::string ProgramName() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "test" : exe.filename().string();
}

// Prints the warnings, errors and 5xx answers the stack's services logged, the last few of
// each log, so a failure seen only in CI's output can be explained.
void PrintTroubleFromLogs(const std::string& dir) {
  constexpr size_t kLinesPerLog = 15;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/logs", ec)) {
    std::ifstream in(entry.path());
    std::deque<std::string> kept;
    for (std::string line; std::getline(in, line);) {
      const bool trouble = line.find("\"level\":\"warn") != std::string::npos ||
                           line.find("\"level\":\"error") != std::string::npos ||
                           line.find("\"status\":5") != std::string::npos;
      if (!trouble) continue;
      kept.push_back(std::move(line));
      if (kept.size() > kLinesPerLog) kept.pop_front();
    }
    if (kept.empty()) continue;
    fprintf(stderr, "--- %s (last %zu warnings, errors and 5xx)\n", entry.path().filename().c_str(),
            kept.size());
    for (const std::string& line : kept) fprintf(stderr, "%s\n", line.c_str());
  }
}

}  // namespace

absl::StatusOr<std::string> RunCommand(const std::string& command) {
  std::string full = command + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen failed");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int rc = pclose(pipe);
  if (rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("`", command, "` exited with ", rc, ":\n", out));
  }
  return out;
}

std::string TestStack::SourceDir() { return EnvOr("DM_SOURCE_DIR", DM_DEFAULT_SOURCE_DIR); }
std::string TestStack::BinaryDir() { return EnvOr("DM_BINARY_DIR", DM_DEFAULT_BINARY_DIR); }

absl::StatusOr<std::unique_ptr<TestStack>> TestStack::Start(const Options& options) {
  std::string root = BinaryDir() + "/test-stacks";
  std::filesystem::create_directories(root);
  std::string dir = absl::StrCat(root, "/", ProgramName(), "-", getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // The reaper (`devstack reap`) leaves a stack alone while this process lives, so a test run
  // in the same build folder cannot stop another's stacks.
  std::ofstream(dir + "/owner.pid") << getpid() << "\n";
  std::unique_ptr<TestStack> stack(new TestStack(std::filesystem::absolute(dir).string()));
  std::string args = options.services ? absl::StrCat("up --fast --bin ", BinaryDir(),
                                                     "/bin --chunk-stores ", options.chunk_stores)
                                      : "deps --fast";
  auto out = stack->Devstack(args);
  if (!out.ok()) return out.status();
  return stack;
}

TestStack::~TestStack() {
  const ::testing::UnitTest* unit = ::testing::UnitTest::GetInstance();
  if (unit != nullptr && (unit->failed_test_count() > 0 || unit->ad_hoc_test_result().Failed())) {
    PrintTroubleFromLogs(dir_);
  }
  auto out = Devstack("down");
  if (!out.ok()) fprintf(stderr, "TestStack: %s\n", std::string(out.status().message()).c_str());
}

absl::StatusOr<std::string> TestStack::Devstack(const std::string& args) const {
  // "--dir" goes right after the command word: anything after a "--" in `args` belongs to the
  // service being started, not to devstack.
  const size_t space = args.find(' ');
  const std::string command = args.substr(0, space);
  const std::string rest = space == std::string::npos ? "" : args.substr(space);
  return RunCommand(
      absl::StrCat(SourceDir(), "/tools/devstack/devstack ", command, " --dir '", dir_, "'", rest));
}

std::map<std::string, std::string> TestStack::AllEnv() const {
  std::map<std::string, std::string> env;
  std::ifstream in(dir_ + "/env");
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

std::string TestStack::Env(const std::string& key) const {
  auto env = AllEnv();
  auto it = env.find(key);
  return it == env.end() ? "" : it->second;
}

}  // namespace datamesh::testing
