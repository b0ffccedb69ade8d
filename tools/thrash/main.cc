// dm-thrash: a seeded random thrasher against a running devstack (README.md). The flags:
// dm-thrash --help.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "tools/thrash/thrash.h"

namespace {

std::atomic<bool> interrupted{false};

// SIGINT/SIGTERM ask the run to undo its faults and stop; a second one ends the process. A
// handler rather than blocked signals and sigwait: a blocked mask would pass to every service
// the run restarts, which would then ignore devstack's SIGTERM.
void OnSignal(int) {
  if (interrupted.exchange(true)) _exit(datamesh::thrash::kExitInterrupted);
  static const char kNote[] = "dm-thrash: interrupted; undoing the faults (again to quit)\n";
  (void)!write(STDERR_FILENO, kNote, sizeof(kNote) - 1);
}

}  // namespace

int main(int argc, char** argv) {
  bool help = false;
  std::string usage;
  auto options = datamesh::thrash::ParseOptions(argc, argv, &help, &usage);
  if (help) {
    printf("%s", usage.c_str());
    return datamesh::thrash::kExitPassed;
  }
  if (!options.ok()) {
    fprintf(stderr, "dm-thrash: %s\n\n%s", std::string(options.status().message()).c_str(),
            usage.c_str());
    return datamesh::thrash::kExitUsage;
  }
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return datamesh::thrash::RunThrash(*options, interrupted);
}
