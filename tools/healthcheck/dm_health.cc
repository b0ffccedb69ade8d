// dm-health: exits 0 when a gRPC server answers SERVING on grpc.health.v1, 1 otherwise.
// Used by the local stack to wait for services, and usable as an exec probe.
//   dm-health --addr host:port [--service name] [--wait 30s] [--up-nodes N]
// With --up-nodes, the server is the dht and must also list at least N storage nodes up:
// storage is usable only once the dht has heard enough chunk-store heartbeats to place a file.
#include <grpcpp/grpcpp.h>

#include <iostream>

#include "absl/time/clock.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "shared/config/flags.h"
#include "shared/server/channels.h"
#include "shared/server/health_client.h"

namespace {

// Number of nodes the dht at `addr` lists up (first page of up to 1,000), or -1.
int UpNodes(datamesh::dht::v1::DhtService::Stub& dht) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  datamesh::dht::v1::ListNodesRequest req;
  req.set_state(datamesh::dht::v1::NODE_STATE_UP);
  req.mutable_page()->set_limit(1000);
  datamesh::dht::v1::ListNodesResponse resp;
  return dht.ListNodes(&ctx, req, &resp).ok() ? resp.nodes_size() : -1;
}

absl::Status WaitForUpNodes(const std::string& addr, int64_t want, absl::Time deadline) {
  auto dht = datamesh::dht::v1::DhtService::NewStub(datamesh::server::ServiceChannel(addr));
  int seen = UpNodes(*dht);
  while (seen < want && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
    seen = UpNodes(*dht);
  }
  if (seen >= want) return absl::OkStatus();
  return absl::DeadlineExceededError("the dht lists " + std::to_string(seen) +
                                     " storage nodes up, wanted " + std::to_string(want));
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr;
  std::string service;
  absl::Duration wait = absl::ZeroDuration();
  int64_t up_nodes = 0;
  datamesh::config::FlagSet flags("dm-health");
  flags.AddString("addr", &addr, "gRPC address host:port");
  flags.AddString("service", &service, "service name to check (default: whole server)");
  flags.AddDuration("wait", &wait, "keep trying this long before failing");
  flags.AddInt("up-nodes", &up_nodes, "also wait until this dht lists this many nodes up");
  if (absl::Status s = flags.Parse(argc, argv); !s.ok() || addr.empty()) {
    std::cerr << (s.ok() ? "--addr is required" : std::string(s.message())) << "\n"
              << flags.Usage();
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  const absl::Time deadline = absl::Now() + wait;
  datamesh::server::HealthClient client(addr);
  absl::Status s = wait > absl::ZeroDuration() ? client.WaitUntilServing(service, wait)
                                               : client.Check(service, absl::Seconds(2));
  if (s.ok() && up_nodes > 0) s = WaitForUpNodes(addr, up_nodes, deadline);
  if (!s.ok()) {
    std::cerr << addr << ": " << s.message() << "\n";
    return 1;
  }
  return 0;
}
