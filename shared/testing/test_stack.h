// TestStack: real dependencies (NATS with JetStream, PostgreSQL, Redis) and optionally every
// DataMesh service, started for one test binary by the project's own tools/devstack script, in
// a folder of its own under <build>/test-stacks with free ports, and stopped when the object
// is destroyed. A test binary that crashes leaves its folder behind; the ctest clean-up fixture
// (tests/CMakeLists.txt) reaps it.
//
// Locations come from the environment ctest sets: DM_SOURCE_DIR (the repository) and
// DM_BINARY_DIR (the build folder). Run by hand, a test falls back to the paths compiled in.
//
// Not thread-safe; create it in SetUpTestSuite or a gtest Environment.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace datamesh::testing {

class TestStack {
 public:
  struct Options {
    // Start the eight services as well (needs the binaries in <build>/bin).
    bool services = false;
    int chunk_stores = 6;
  };

  // Starts the dependencies (and services when asked). FAILED_PRECONDITION when the script
  // fails; its output is in the message.
  static absl::StatusOr<std::unique_ptr<TestStack>> Start(const Options& options);
  static absl::StatusOr<std::unique_ptr<TestStack>> Start() { return Start(Options{}); }

  TestStack(const TestStack&) = delete;
  TestStack& operator=(const TestStack&) = delete;
  ~TestStack();  // stops everything this stack started

  // A value from the stack's env file (DM_NATS_URL, DM_PG_URL, DM_REDIS_URL, ...); empty if
  // absent. Re-reads the file, so values written by later `devstack` calls are seen.
  std::string Env(const std::string& key) const;
  std::map<std::string, std::string> AllEnv() const;

  std::string nats_url() const { return Env("DM_NATS_URL"); }
  std::string pg_url() const { return Env("DM_PG_URL"); }
  std::string redis_url() const { return Env("DM_REDIS_URL"); }

  // The stack's folder (logs in logs/, pid files in pids/).
  const std::string& dir() const { return dir_; }

  // Runs `tools/devstack/devstack <args> --dir <dir>`; returns its output or an error.
  absl::StatusOr<std::string> Devstack(const std::string& args) const;

  static std::string SourceDir();
  static std::string BinaryDir();

 private:
  explicit TestStack(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// Runs a shell command, returning its combined output; error if it exits non-zero.
absl::StatusOr<std::string> RunCommand(const std::string& command);

}  // namespace datamesh::testing
