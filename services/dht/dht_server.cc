#include "services/dht/dht_server.h"

#include <algorithm>
#include <string>

#include "services/dht/dht_service.h"
#include "services/dht/membership.h"
#include "services/dht/membership_sync.h"
#include "services/dht/node_events_stream.h"
#include "services/dht/node_store.h"
#include "shared/bus/bus.h"
#include "shared/crypto/hash.h"
#include "shared/log/log.h"
#include "shared/server/periodic_task.h"
#include "shared/status/status.h"

namespace datamesh::dht {
namespace {

class Parts : public server::ServiceParts {
 public:
  Parts(server::Runtime& runtime, const DhtOptions& options, const NodeId& local_id)
      : store(*runtime.pg()),
        membership(local_id),
        sync(
            membership, store,
            [bus = runtime.bus()](const events::v1::Event& e) { return bus->PublishDurable(e); },
            runtime.source(), SyncOptions{options.node_timeout, options.flush_interval},
            runtime.metrics()),
        service(membership) {}

  void Stop() override {
    subscription.reset();
    if (task) task->Stop();
    sync.Flush(absl::Now());  // the last counters, so a restart starts from them
  }

  NodeStore store;
  Membership membership;
  MembershipSync sync;
  DhtServiceImpl service;
  std::unique_ptr<server::PeriodicTask> task;
  std::unique_ptr<bus::Subscription> subscription;
};

// The routing table's local id: any value gives the same answers; a hash of the instance id
// makes it stable for the process and distinct between replicas.
absl::StatusOr<NodeId> LocalId(const std::string& instance_id) {
  ASSIGN_OR_RETURN(crypto::Sha256Digest digest, crypto::Sha256(instance_id));
  NodeId id;
  std::copy(digest.begin(), digest.end(), id.begin());
  return id;
}

}  // namespace

void RegisterFlags(config::FlagSet& flags, DhtOptions& options) {
  flags.AddDuration("node-timeout", &options.node_timeout,
                    "a storage node silent for longer is declared down");
  flags.AddDuration("membership-flush-interval", &options.flush_interval,
                    "how often heartbeat counters are written to PostgreSQL");
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const DhtOptions& options) {
  if (options.node_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--node-timeout must be positive");
  }
  if (options.flush_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--membership-flush-interval must be positive");
  }
  RETURN_IF_ERROR(runtime.bus()->EnsureStream(NodeEventsStream()));
  ASSIGN_OR_RETURN(NodeId local_id, LocalId(runtime.instance_id()));
  auto parts = std::make_unique<Parts>(runtime, options, local_id);
  ASSIGN_OR_RETURN(std::vector<NodeInfo> known, parts->store.LoadAll());
  parts->membership.Load(known, absl::Now());
  log::Info("membership loaded", {{"nodes", static_cast<int64_t>(known.size())}});

  // Expiry is checked a few times per timeout so a silent node is declared down promptly.
  const absl::Duration sweep = std::min(absl::Seconds(1), options.node_timeout / 4);
  Parts* p = parts.get();
  parts->task =
      std::make_unique<server::PeriodicTask>(sweep, [p] { p->sync.RunOnce(absl::Now()); });
  ASSIGN_OR_RETURN(parts->subscription, runtime.bus()->SubscribeEvents(
                                            bus::SubjectFor("node.heartbeat"), /*queue_group=*/"",
                                            [p](const events::v1::Event& event) {
                                              if (p->sync.OnHeartbeat(event, absl::Now()))
                                                p->task->TriggerNow();
                                            }));
  runtime.AddGrpcService(&parts->service);
  return parts;
}

}  // namespace datamesh::dht
