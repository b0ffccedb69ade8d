#include "services/dht/dht_server.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "absl/strings/numbers.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "services/dht/admission.h"
#include "services/dht/admission_consumer.h"
#include "services/dht/admission_resync.h"
#include "services/dht/admission_store.h"
#include "services/dht/dht_service.h"
#include "services/dht/membership.h"
#include "services/dht/membership_sync.h"
#include "services/dht/node_events_stream.h"
#include "services/dht/node_store.h"
#include "shared/bus/bus.h"
#include "shared/crypto/hash.h"
#include "shared/log/log.h"
#include "shared/server/periodic_task.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::dht {
namespace {

class Parts : public server::ServiceParts {
 public:
  Parts(server::Runtime& runtime, const DhtOptions& options, const NodeId& local_id,
        bool enforce_admission, double default_share)
      : store(*runtime.pg()),
        membership(local_id),
        sync(membership, store, Publisher(runtime), runtime.source(),
             SyncOptions{options.node_timeout, options.flush_interval}, runtime.metrics()),
        admission_store(*runtime.pg()),
        admission(enforce_admission, default_share),
        admission_consumer(admission_store, admission, Publisher(runtime), runtime.source(),
                           runtime.metrics()),
        service(membership, admission) {}

  void Stop() override {
    subscription.reset();
    if (resync_task) resync_task->Stop();
    admission_consumer.Stop();
    if (admission_task) admission_task->Stop();
    if (task) task->Stop();
    sync.Flush(absl::Now());  // the last counters, so a restart starts from them
  }

  static MembershipSync::Publisher Publisher(server::Runtime& runtime) {
    return [bus = runtime.bus()](const events::v1::Event& e) { return bus->PublishDurable(e); };
  }

  NodeStore store;
  Membership membership;
  MembershipSync sync;
  AdmissionStore admission_store;
  AdmissionView admission;
  AdmissionConsumer admission_consumer;
  DhtServiceImpl service;
  std::unique_ptr<server::PeriodicTask> task;
  std::unique_ptr<server::PeriodicTask> admission_task;
  std::unique_ptr<AdmissionResync> resync;
  std::unique_ptr<server::PeriodicTask> resync_task;
  std::unique_ptr<bus::Subscription> subscription;
};

// One page of governance's admission listing over gRPC.
AdmissionResync::PageSource GovernancePages(const std::string& address) {
  std::shared_ptr<governance::v1::GovernanceService::Stub> stub =
      governance::v1::GovernanceService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  return [stub](const std::string& cursor)
             -> absl::StatusOr<governance::v1::ListAdmissionsResponse> {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    governance::v1::ListAdmissionsRequest request;
    request.mutable_page()->set_limit(500);
    request.mutable_page()->set_cursor(cursor);
    governance::v1::ListAdmissionsResponse response;
    grpc::Status s = stub->ListAdmissions(&ctx, request, &response);
    if (!s.ok()) return FromGrpcStatus(s);
    return response;
  };
}

// Re-syncs from governance's tables at once (in the background: governance may start after
// dht) and every --admission-resync.
void StartResync(server::Runtime& runtime, const DhtOptions& options, Parts& parts) {
  if (options.governance_addr.empty() || options.admission_resync <= absl::ZeroDuration()) {
    log::Info("node admission is not re-synced from governance (--governance-addr or "
              "--admission-resync not set): events only");
    return;
  }
  parts.resync = std::make_unique<AdmissionResync>(parts.admission_store, parts.admission_consumer,
                                                   GovernancePages(options.governance_addr),
                                                   runtime.metrics());
  AdmissionResync* resync = parts.resync.get();
  parts.resync_task = std::make_unique<server::PeriodicTask>(options.admission_resync, [resync] {
    if (absl::StatusOr<int> n = resync->RunOnce(); !n.ok()) {
      log::Warn("could not re-sync node admission from governance",
                {{"error", n.status().ToString()}});
    }
  });
}

// Loads governance's decisions and starts following them. Before the gRPC service exists, so
// no placement is ever answered from an empty view.
absl::Status StartAdmission(server::Runtime& runtime, const DhtOptions& options, Parts& parts) {
  if (!parts.admission.enforced()) {
    log::Warn(
        "node admission is off: every storage node that sends heartbeats receives shards, "
        "whatever governance decided (--node-admission=off)");
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(parts.admission_consumer.Refresh());
  RETURN_IF_ERROR(parts.admission_consumer.Start(*runtime.bus()));
  Parts* p = &parts;
  parts.admission_task = std::make_unique<server::PeriodicTask>(options.admission_refresh, [p] {
    if (absl::Status s = p->admission_consumer.Refresh(); !s.ok()) {
      log::Warn("could not re-read node admission", {{"error", s.ToString()}});
    }
  });
  StartResync(runtime, options, parts);
  return absl::OkStatus();
}

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
  flags.AddString("node-admission", &options.node_admission,
                  "governance: only nodes of admitted operators receive shards; off: every node");
  flags.AddString("vetting-placement-share", &options.vetting_placement_share,
                  "share (0..1) of placements open to unvetted nodes until governance sets "
                  "vetting.placementShare");
  flags.AddDuration("admission-refresh", &options.admission_refresh,
                    "how often governance's node decisions are re-read from PostgreSQL");
  flags.AddString("governance-addr", &options.governance_addr,
                  "governance's gRPC address, to re-sync node admission from its tables (empty: "
                  "events only)");
  flags.AddDuration("admission-resync", &options.admission_resync,
                    "how often node admission is re-synced from governance (first at start; "
                    "0: never)");
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const DhtOptions& options) {
  if (options.node_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--node-timeout must be positive");
  }
  if (options.flush_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--membership-flush-interval must be positive");
  }
  if (options.node_admission != "governance" && options.node_admission != "off") {
    return absl::InvalidArgumentError("--node-admission must be governance or off");
  }
  double share = 0;
  if (!absl::SimpleAtod(options.vetting_placement_share, &share) || !(share >= 0 && share <= 1)) {
    return absl::InvalidArgumentError("--vetting-placement-share must be a number from 0 to 1");
  }
  if (options.admission_refresh <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--admission-refresh must be positive");
  }
  if (options.admission_resync < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--admission-resync must be 0 (never) or positive");
  }
  RETURN_IF_ERROR(runtime.bus()->EnsureStream(NodeEventsStream()));
  ASSIGN_OR_RETURN(NodeId local_id, LocalId(runtime.instance_id()));
  auto parts = std::make_unique<Parts>(runtime, options, local_id,
                                       options.node_admission == "governance", share);
  RETURN_IF_ERROR(StartAdmission(runtime, options, *parts));
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
