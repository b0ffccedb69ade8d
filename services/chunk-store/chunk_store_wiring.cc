// Wiring of one chunk-store node: flags, the disk readiness check and Build().
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "services/chunk-store/chunk_store_service.h"
#include "services/chunk-store/node_heartbeat.h"
#include "services/chunk-store/node_id.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::chunk_store {
namespace {

// Declaration order is construction order; destruction runs in reverse, so the heartbeat
// stops before the service and the store go away.
class Parts : public server::ServiceParts {
 public:
  void Stop() override {
    if (heartbeat) heartbeat->Stop();
  }
  std::unique_ptr<ShardStore> store;
  std::unique_ptr<ChunkStoreMetrics> metrics;
  std::unique_ptr<ChunkServiceImpl> service;
  std::unique_ptr<NodeHeartbeatPublisher> heartbeat;
};

}  // namespace

void RegisterFlags(config::FlagSet& flags, ChunkStoreOptions& options) {
  flags.AddString("data-dir", &options.data_dir, "folder holding this node's shards");
  flags.AddString("zone", &options.zone, "failure-domain label (placement spreads over zones)");
  flags.AddInt("capacity-bytes", &options.capacity_bytes,
               "bytes this node may store (0: the disk's free space at start)");
  flags.AddString("operator-id", &options.operator_id,
                  "governance operator running this node (carried by heartbeats; may be empty)");
}

absl::Status CheckDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return absl::FailedPreconditionError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  // A real write, not just a permission check: a full or read-only disk must fail readiness.
  std::string probe = absl::StrCat(dir, "/.probe-", getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, "ok", 2) != 2 || ::fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(probe.c_str());
    return absl::UnavailableError(absl::StrCat("data folder not writable: ", std::strerror(err)));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const ChunkStoreOptions& options) {
  if (options.capacity_bytes < 0)
    return absl::InvalidArgumentError("--capacity-bytes must be >= 0");
  RETURN_IF_ERROR(CheckDataDir(options.data_dir));
  auto parts = std::make_unique<Parts>();
  ShardStoreOptions store_options;
  store_options.data_dir = options.data_dir;
  store_options.capacity_bytes = static_cast<uint64_t>(options.capacity_bytes);
  ASSIGN_OR_RETURN(parts->store, ShardStore::Open(store_options));
  NodeIdentity identity;
  ASSIGN_OR_RETURN(identity.node_id, LoadOrCreateNodeId(options.data_dir));
  identity.zone = options.zone;
  identity.operator_id = options.operator_id;
  identity.version = runtime.version();
  identity.started_at = absl::Now();
  log::Info("storage node", {{"node_id", identity.node_id}, {"zone", options.zone}});

  parts->metrics = std::make_unique<ChunkStoreMetrics>(runtime.metrics());
  parts->metrics->SetUsage(parts->store->Usage());
  auto address = [&runtime] { return runtime.grpc_address(); };
  parts->service = std::make_unique<ChunkServiceImpl>(*parts->store, *parts->metrics,
                                                      identity.node_id, options.zone, address);
  runtime.AddGrpcService(parts->service.get());
  // The disk probe (a write and an fsync) runs in the readiness loop only; heartbeats report its
  // latest result. A heartbeat that waited on a slow fsync could arrive late enough for the dht
  // to declare a healthy node down.
  auto disk_ok = std::make_shared<std::atomic<bool>>(true);
  runtime.readiness().Add("disk", [dir = options.data_dir, disk_ok] {
    absl::Status s = CheckDataDir(dir);
    disk_ok->store(s.ok());
    return s;
  });
  if (runtime.bus() == nullptr) return absl::FailedPreconditionError("chunk-store needs NATS");
  ChunkStoreMetrics* metrics = parts->metrics.get();
  parts->heartbeat = std::make_unique<NodeHeartbeatPublisher>(
      *runtime.bus(), runtime.source(), identity, *parts->store, address,
      [disk_ok] { return disk_ok->load(); },
      [metrics](const StoreUsage& usage) { metrics->SetUsage(usage); },
      runtime.options().heartbeat_interval);
  return parts;
}

}  // namespace datamesh::chunk_store
