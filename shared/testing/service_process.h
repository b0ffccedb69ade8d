// ServiceProcess: one service binary from <build>/bin run as a child process of a test, with
// its own free gRPC and metrics ports, the test stack's dependency URLs in its environment and
// its output in a log file; Start returns once the binary reports SERVING on grpc.health.v1.
// For tests of a single binary's start-up, restart and shutdown behaviour; whole-stack tests
// use TestStack's services instead.
//
// The destructor SIGKILLs a process still running, so a failed test leaves nothing behind.
// Not thread-safe.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/testing/test_stack.h"

namespace datamesh::testing {

// A loopback TCP port nothing listens on now, chosen below the kernel's ephemeral range so an
// outgoing connection cannot take it before the service binds it.
int FreePort();

class ServiceProcess {
 public:
  struct Options {
    std::string binary;              // file name under <build>/bin, e.g. "auth"
    std::vector<std::string> args;   // extra flags
    // Extra environment; DM_NATS_URL, DM_PG_URL, DM_REDIS_URL come from the stack. A value of
    // "" removes the variable (e.g. DM_ADMIN_PASSWORD).
    std::map<std::string, std::string> env;
    std::string log_path;            // stdout and stderr; default <stack dir>/<binary>-<pid>.log
    absl::Duration ready_timeout = absl::Seconds(60);
  };

  // FAILED_PRECONDITION when the binary cannot start or never becomes SERVING (the log's tail
  // is in the message).
  static absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(const TestStack& stack,
                                                               Options options);
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;
  ~ServiceProcess();

  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& log_path() const { return log_path_; }
  pid_t pid() const { return pid_; }
  // The whole log so far.
  std::string ReadLog() const;

  // SIGTERM, then waits up to `timeout`; returns the exit code. DEADLINE_EXCEEDED (and the
  // process is killed) if it does not exit in time; INTERNAL if it died of a signal.
  absl::StatusOr<int> Stop(absl::Duration timeout = absl::Seconds(30));

 private:
  ServiceProcess(pid_t pid, std::string grpc_address, std::string log_path)
      : pid_(pid), grpc_address_(std::move(grpc_address)), log_path_(std::move(log_path)) {}

  pid_t pid_;
  std::string grpc_address_;
  std::string log_path_;
};

}  // namespace datamesh::testing
