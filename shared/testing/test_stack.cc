#include "shared/testing/test_stack.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
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
  std::unique_ptr<TestStack> stack(new TestStack(std::filesystem::absolute(dir).string()));
  std::string args = options.services ? absl::StrCat("up --fast --bin ", BinaryDir(),
                                                     "/bin --chunk-stores ", options.chunk_stores)
                                      : "deps --fast";
  auto out = stack->Devstack(args);
  if (!out.ok()) return out.status();
  return stack;
}

TestStack::~TestStack() {
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
