// The running devstack as the thrasher sees it: its addresses and admin password (D/env,
// D/admin-password), the faults it can suffer and their undoing, and whether every part of it
// is healthy. Faults go through tools/devstack/devstack (kill-instance, start-instance,
// dep-stop, dep-start) and, for pauses, SIGSTOP/SIGCONT to the pid in D/pids/<name>.pid.
//
// Thread-safe: every call runs its own command or signal; callers keep one fault per target.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace datamesh::thrash {

class StackControl {
 public:
  // `devstack`: the script; `dir`: the stack's folder; `bin`: the service binaries.
  StackControl(std::string devstack, std::string dir, std::string bin)
      : devstack_(std::move(devstack)), dir_(std::move(dir)), bin_(std::move(bin)) {}

  // A value of D/env; NOT_FOUND when absent.
  [[nodiscard]] absl::StatusOr<std::string> Env(const std::string& key) const;
  // D/admin-password without its newline; NOT_FOUND when unreadable.
  [[nodiscard]] absl::StatusOr<std::string> AdminPassword() const;

  // SIGKILL one instance / start it again with its ports and arguments, waiting until it serves.
  // FAILED_PRECONDITION with devstack's output when the script fails.
  [[nodiscard]] absl::Status KillInstance(const std::string& name) const;
  [[nodiscard]] absl::Status StartInstance(const std::string& name) const;
  // SIGSTOP / SIGCONT the instance's process. NOT_FOUND without a live pid file.
  [[nodiscard]] absl::Status Pause(const std::string& name) const;
  [[nodiscard]] absl::Status Resume(const std::string& name) const;
  // Stops / starts NATS, PostgreSQL or Redis on its port.
  [[nodiscard]] absl::Status StopDependency(const std::string& name) const;
  [[nodiscard]] absl::Status StartDependency(const std::string& name) const;

  // Waits until every service instance of D/env answers SERVING, the dht lists `chunk_stores`
  // storage nodes up and the gateway's /readyz answers 200. DEADLINE_EXCEEDED naming what is
  // not healthy yet when `timeout` passes.
  [[nodiscard]] absl::Status WaitHealthy(int chunk_stores, absl::Duration timeout) const;

 private:
  absl::Status Devstack(const std::string& args) const;
  absl::Status Signal(const std::string& name, int signal) const;
  // What is not healthy right now; "" when everything is.
  std::string Unhealthy(int chunk_stores) const;

  const std::string devstack_;
  const std::string dir_;
  const std::string bin_;
};

// Runs `command` with /bin/sh; its combined output, or FAILED_PRECONDITION with the exit status
// and the output.
[[nodiscard]] absl::StatusOr<std::string> RunCommand(const std::string& command);

// `text` quoted for /bin/sh.
std::string ShellQuote(const std::string& text);

}  // namespace datamesh::thrash
