// dm-health: exits 0 when a gRPC server answers SERVING on grpc.health.v1, 1 otherwise.
// Used by the local stack to wait for services, and usable as an exec probe.
//   dm-health --addr host:port [--service name] [--wait 30s]
#include <iostream>

#include "shared/config/flags.h"
#include "shared/server/health_client.h"

int main(int argc, char** argv) {
  std::string addr;
  std::string service;
  absl::Duration wait = absl::ZeroDuration();
  datamesh::config::FlagSet flags("dm-health");
  flags.AddString("addr", &addr, "gRPC address host:port");
  flags.AddString("service", &service, "service name to check (default: whole server)");
  flags.AddDuration("wait", &wait, "keep trying this long before failing");
  if (absl::Status s = flags.Parse(argc, argv); !s.ok() || addr.empty()) {
    std::cerr << (s.ok() ? "--addr is required" : std::string(s.message())) << "\n"
              << flags.Usage();
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  datamesh::server::HealthClient client(addr);
  absl::Status s = wait > absl::ZeroDuration() ? client.WaitUntilServing(service, wait)
                                               : client.Check(service, absl::Seconds(2));
  if (!s.ok()) {
    std::cerr << addr << ": " << s.message() << "\n";
    return 1;
  }
  return 0;
}
