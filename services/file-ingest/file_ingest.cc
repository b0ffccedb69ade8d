#include "services/file-ingest/file_ingest.h"

#include <grpcpp/grpcpp.h>

#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/dht/node_events_stream.h"
#include "services/file-ingest/audit_parts.h"
#include "services/file-ingest/file_ingest_service.h"
#include "services/file-ingest/grpc_backends.h"
#include "services/file-ingest/grpc_node_admin.h"
#include "services/file-ingest/maintenance.h"
#include "services/file-ingest/param_consumer.h"
#include "services/file-ingest/reencode_store.h"
#include "services/file-ingest/segment_budget.h"
#include "services/file-ingest/shard_intents.h"
#include "services/file-ingest/worker_pool.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"
#include "shared/server/channels.h"
#include "shared/server/periodic_task.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

constexpr int kWorkerBatch = 200;
// Node addresses are re-read from the dht this often (at most every kNodeDirectoryMinGap for
// an unknown node), and at most every kNodeFailureGap per node when a call finds it unreachable
// (node.up re-reads at once).
constexpr absl::Duration kNodeDirectoryMaxAge = absl::Seconds(30);
constexpr absl::Duration kNodeDirectoryMinGap = absl::Seconds(2);
constexpr absl::Duration kNodeFailureGap = absl::Milliseconds(250);

// Repair passes due when a down node's grace period is over (node.down schedules one), so
// its shards are rebuilt then rather than at the next periodic pass.
class DeferredRepairs {
 public:
  explicit DeferredRepairs(MaintenanceRunner& runner)
      : runner_(runner), ticker_(absl::Seconds(1), [this] { RunDue(); }) {}
  ~DeferredRepairs() { ticker_.Stop(); }
  void At(absl::Time when) {
    std::lock_guard<std::mutex> lock(mu_);
    due_.insert(when);
  }

 private:
  void RunDue() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (due_.empty() || *due_.begin() > absl::Now()) return;
      due_.erase(due_.begin(), due_.upper_bound(absl::Now()));
    }
    runner_.RequestRepair("down grace over");
  }

  MaintenanceRunner& runner_;
  std::mutex mu_;
  std::multiset<absl::Time> due_;
  server::PeriodicTask ticker_;  // last: its thread uses the members above
};

struct Parts : server::ServiceParts {
  std::unique_ptr<erasure::ErasureCodec> codec;
  std::unique_ptr<LiveCodec> live_codec;  // the shape of new uploads, changed by governance
  std::unique_ptr<LiveParamStore> live_params;
  int64_t audit_rate = 0;  // --audit-rate, or the value governance set last
  std::unique_ptr<ReencodeStore> reencode_store;
  std::unique_ptr<ManifestStore> store;
  // Where nodes are now (manifests name them by id); before everything that calls a node.
  std::unique_ptr<dht::v1::DhtService::Stub> directory_dht;
  std::unique_ptr<NodeDirectory> directory;
  std::unique_ptr<ChunkStubs> chunk_stubs;
  std::unique_ptr<GrpcPlacement> placement;
  std::unique_ptr<GrpcShardStore> shards;
  std::unique_ptr<quota::v1::QuotaService::Stub> quota;
  std::unique_ptr<ShardIntents> intents;
  std::unique_ptr<GrpcNodeAdmin> admin;
  std::unique_ptr<AuditParts> audits;  // before maintenance: its admin skips disqualified nodes
  std::unique_ptr<DisqualifiedAwareAdmin> admin_view;
  std::unique_ptr<DisqualifiedAwarePlacement> placement_view;
  std::unique_ptr<MaintenanceStore> maintenance_store;
  std::unique_ptr<MaintenanceRunner> maintenance;
  std::unique_ptr<LateShards> late;  // after the stores it writes to, before the service
  std::unique_ptr<SegmentBudget> segment_budget;  // before the service: uploads hold grants
  std::unique_ptr<FileServiceImpl> service;
  std::unique_ptr<server::PeriodicTask> outbox_worker;
  std::unique_ptr<server::PeriodicTask> deletion_worker;
  std::unique_ptr<server::PeriodicTask> repair_timer;
  std::unique_ptr<server::PeriodicTask> scrub_timer;
  std::unique_ptr<server::PeriodicTask> gc_timer;
  std::unique_ptr<DeferredRepairs> deferred_repairs;
  std::unique_ptr<bus::Consumer> node_down_consumer;
  std::unique_ptr<bus::Consumer> node_up_consumer;
  std::unique_ptr<ParamChangeConsumer> param_consumer;

  void Stop() override {
    if (param_consumer) param_consumer->Stop();
    if (audits) audits->Stop();
    node_down_consumer.reset();
    node_up_consumer.reset();
    deferred_repairs.reset();
    for (auto* task : {&outbox_worker, &deletion_worker, &repair_timer, &scrub_timer, &gc_timer}) {
      if (*task) (*task)->Stop();
    }
    if (maintenance) maintenance->Stop();
  }
};

// How long a shard intent lives without its instance refreshing it (refreshes run every
// worker interval).
absl::Duration IntentTtl(const FileIngestOptions& o) {
  return std::max(absl::Seconds(3), 3 * o.worker_interval);
}

// Periodic scrub and GC skip the run PeriodicTask makes at start: every restart would otherwise
// re-read every disk and list every node's shards.
std::function<void()> SkipFirst(std::function<void()> fn) {
  return [fn = std::move(fn), first = true]() mutable {
    if (!std::exchange(first, false)) fn();
  };
}

absl::Status StartMaintenance(server::Runtime& rt, const FileIngestOptions& o, Parts& parts) {
  parts.admin = std::make_unique<GrpcNodeAdmin>(o.dht_addr, o.shard_timeout, *parts.chunk_stubs);
  parts.audits = AuditParts::Create(*rt.pg());
  parts.admin_view = std::make_unique<DisqualifiedAwareAdmin>(*parts.admin, parts.audits->store());
  parts.placement_view =
      std::make_unique<DisqualifiedAwarePlacement>(*parts.placement, parts.audits->store());
  parts.maintenance_store = std::make_unique<MaintenanceStore>(*rt.pg(), IntentTtl(o));
  MaintenanceDeps deps{parts.maintenance_store.get(),
                       parts.placement_view.get(),
                       parts.shards.get(),
                       parts.admin_view.get(),
                       parts.intents.get(),
                       &rt.metrics(),
                       parts.live_codec.get(),
                       parts.reencode_store.get()};
  // The service exists by the time a gc job runs (jobs start after Build returns).
  deps.expire_uploads = [&parts, expiry = o.multipart_expiry]() -> absl::StatusOr<int> {
    if (!parts.service) return 0;
    return parts.service->ExpireMultipartUploads(absl::Now() - expiry);
  };
  MaintenanceOptions mo;
  mo.pg_url = rt.options().pg_url;
  mo.instance_id = rt.instance_id();
  mo.gc_grace = o.gc_grace;
  mo.repair_down_grace = o.repair_down_grace;
  mo.reencode_bytes_per_second = o.reencode_bytes_per_second;
  mo.reencode_free_delay = o.reencode_free_delay;
  parts.maintenance = std::make_unique<MaintenanceRunner>(deps, mo);
  MaintenanceRunner* runner = parts.maintenance.get();
  parts.repair_timer = std::make_unique<server::PeriodicTask>(
      o.repair_interval, [runner] { runner->RequestRepair("periodic"); });
  parts.scrub_timer = std::make_unique<server::PeriodicTask>(
      o.scrub_interval, SkipFirst([runner] { (void)runner->Start("scrub", "periodic"); }));
  // Shards of uploads whose client or file-ingest died are collected without anyone asking.
  parts.gc_timer = std::make_unique<server::PeriodicTask>(
      o.gc_interval, SkipFirst([runner] { (void)runner->Start("gc", "periodic"); }));
  RETURN_IF_ERROR(rt.bus()->EnsureStream(dht::NodeEventsStream()));
  // node.down: rebuild what the node held -- at once where a segment is at risk, the rest
  // once the node's grace is over. node.up: a node the segments do not use is back, so shards
  // that repair had to put beside others of their segment can spread out again.
  parts.deferred_repairs = std::make_unique<DeferredRepairs>(*runner);
  DeferredRepairs* deferred = parts.deferred_repairs.get();
  const absl::Duration grace = o.repair_down_grace;
  auto trigger = [&](const char* durable, const char* subject, const char* why,
                     std::unique_ptr<bus::Consumer>& out) -> absl::Status {
    bus::ConsumerConfig cc;
    cc.stream = dht::kNodeEventsStreamName;
    cc.durable = durable;
    cc.filter_subject = subject;
    cc.deliver_new_only = true;
    auto on_event = [runner, deferred, grace, why,
                     directory = parts.directory.get()](const events::v1::Event& e) {
      const std::string& node = e.has_node_down() ? e.node_down().node_id() : e.node_up().node_id();
      if (e.has_node_up()) directory->Refresh();  // it may be back on another address
      log::Info(absl::StrCat(why, ": repair requested"), {{"node", node}});
      runner->RequestRepair(why);
      if (e.has_node_down() && grace > absl::ZeroDuration()) deferred->At(absl::Now() + grace);
      return absl::OkStatus();
    };
    ASSIGN_OR_RETURN(out, rt.bus()->ConsumeDurable(cc, on_event));
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(
      trigger("file-ingest-repair", "dm.v1.node.down", "node.down", parts.node_down_consumer));
  RETURN_IF_ERROR(parts.audits->Start(
      rt, {parts.audit_rate, o.audit_stripe_bytes, o.audit_timeout}, *parts.chunk_stubs, *runner));
  return trigger("file-ingest-spread", "dm.v1.node.up", "node.up", parts.node_up_consumer);
}

// Restores what governance set last (over the flags), before anything uploads or audits.
absl::Status RestoreLiveParameters(const FileIngestOptions& o, Parts& parts) {
  ASSIGN_OR_RETURN(auto stored, parts.live_params->Load());
  const erasure::ErasureCodec* now = parts.live_codec->Get();
  const int k = stored.count(kDataShardsKey) ? static_cast<int>(stored[kDataShardsKey])
                                             : now->data_shards();
  const int m = stored.count(kParityShardsKey) ? static_cast<int>(stored[kParityShardsKey])
                                               : now->parity_shards();
  if (m < o.write_tolerance) {
    return absl::InvalidArgumentError(absl::StrCat(
        "governance set erasure.parityShards to ", m, ", below --write-tolerance ",
        o.write_tolerance));
  }
  RETURN_IF_ERROR(parts.live_codec->Set(k, m));
  parts.audit_rate = stored.count(kAuditRateKey) ? stored[kAuditRateKey] : o.audit_rate;
  log::Info("erasure shape of new uploads",
            {{"data_shards", k}, {"parity_shards", m}, {"audit_rate", parts.audit_rate}});
  return absl::OkStatus();
}

// Governance's executed changes of file-ingest's parameters; a new shape starts re-encoding.
absl::Status StartParamConsumer(server::Runtime& rt, const FileIngestOptions& o, Parts& parts) {
  ParamChangeHooks hooks;
  hooks.count_nodes = [admin = parts.admin_view.get()]() -> absl::StatusOr<int> {
    ASSIGN_OR_RETURN(auto live, admin->LiveNodes());
    ASSIGN_OR_RETURN(auto down, admin->DownNodes());
    // The view lists disqualified nodes as down since forever: they hold nothing again.
    int nodes = static_cast<int>(live.size());
    for (const auto& [id, since] : down) nodes += since != absl::InfinitePast() ? 1 : 0;
    return nodes;
  };
  hooks.set_audit_rate = [audits = parts.audits.get()](int64_t rate) { audits->SetRate(rate); };
  hooks.on_shape_changed = [runner = parts.maintenance.get()](const std::string& proposal) {
    if (auto id = runner->Start("reencode", "governance:" + proposal); !id.ok()) {
      log::Warn("could not start re-encoding", {{"error", id.status().ToString()}});
    }
  };
  parts.param_consumer = std::make_unique<ParamChangeConsumer>(
      *parts.live_codec, *parts.live_params, std::move(hooks),
      static_cast<int>(o.write_tolerance), rt.source());
  RETURN_IF_ERROR(parts.param_consumer->Start(*rt.bus()));
  // A job an earlier run left unfinished (or a change applied while no job could start).
  const erasure::ErasureCodec* now = parts.live_codec->Get();
  ASSIGN_OR_RETURN(auto stale,
                   parts.reencode_store->CountStale(now->data_shards(), now->parity_shards()));
  if (stale.first > 0) {
    log::Info("stored contents in another shape: re-encoding",
              {{"contents", stale.first}, {"bytes", stale.second}});
    (void)parts.maintenance->Start("reencode", "system");
  }
  return absl::OkStatus();
}

void DrainOutbox(ManifestStore& store, bus::Bus& bus) {
  auto n = store.DrainOutbox(kWorkerBatch, [&](const std::string& bytes) {
    auto event = bus::ParseEvent(bytes);
    if (!event.ok()) return absl::OkStatus();  // undecodable: drop rather than block the queue
    return bus.PublishDurable(*event);
  });
  if (!n.ok()) log::Warn("outbox drain failed", {{"error", n.status().ToString()}});
}

void DrainDeletions(ManifestStore& store, ShardStore& shards) {
  auto n = store.DrainShardDeletions(
      kWorkerBatch, [&](const ShardDeletion& d) { return shards.Delete(d.node, d.shard_id); });
  if (!n.ok()) log::Warn("shard deletion drain failed", {{"error", n.status().ToString()}});
}

}  // namespace

void RegisterFlags(config::FlagSet& f, FileIngestOptions& o) {
  f.AddString("dht-addr", &o.dht_addr, "DhtService address host:port (required)");
  f.AddString("quota-addr", &o.quota_addr,
              "QuotaService address; empty: reservations are not committed or released");
  f.AddInt("segment-bytes", &o.segment_bytes, "Plaintext bytes per segment");
  f.AddInt("data-shards", &o.data_shards, "Reed-Solomon data shards per segment (k)");
  f.AddInt("parity-shards", &o.parity_shards, "Reed-Solomon parity shards per segment (m)");
  f.AddInt("inline-max-bytes", &o.inline_max_bytes,
           "Files up to this size are kept inline in the manifest");
  f.AddString("erasure-codec", &o.erasure_codec,
              "Erasure codec of new uploads: isal or jerasure (default: isal when this build has "
              "it); stored files are read with the codec they were written with");
  f.AddInt("coding-threads", &o.coding_threads,
           "Threads compressing, sealing and erasure coding segments, shared by every transfer "
           "(0: one per core)");
  f.AddInt("segment-threads", &o.segment_threads,
           "Segments written or read at once across every transfer; bounds the segment buffers "
           "held (0: four per core)");
  f.AddInt("shard-io-threads", &o.shard_io_threads,
           "Shard reads and writes to chunk-stores at once, across every transfer (0: 64)");
  f.AddInt("segments-in-flight", &o.segments_in_flight,
           "Segments an upload encodes and writes at once");
  f.AddInt("prefetch-segments", &o.prefetch_segments,
           "Segments a download reads ahead of the one it sends");
  f.AddInt("write-tolerance", &o.write_tolerance,
           "Node losses the shards an upload wrote must survive before a segment is "
           "acknowledged; with fewer nodes up than k + m, shards double up as long as this holds "
           "(1 to --parity-shards)");
  f.AddDuration("shard-timeout", &o.shard_timeout, "Deadline of one shard read or write");
  f.AddDuration("late-shard-grace", &o.late_shard_grace,
                "Once a segment's written shards meet the write quorum, how long it waits for the "
                "rest; writes still running then finish in the background (0: never wait)");
  f.AddDuration("shard-read-grace", &o.shard_read_grace,
                "A shard read still running this long is cancelled and another shard (parity) "
                "read instead, when the shards read and those untried still make k without it; "
                "a node that answers nothing then delays a download by this, not by "
                "--shard-timeout");
  f.AddInt("late-shard-budget-bytes", &o.late_shard_budget_bytes,
           "Memory that segments with background shard writes may hold; past it, slow writes "
           "are cancelled and their shards placed elsewhere (0: every segment waits for all of "
           "its writes)");
  f.AddInt("segment-memory-bytes", &o.segment_memory_bytes,
           "Memory the segments of all uploads may hold at once (plaintext being filled, queued "
           "and its shard block); an upload past it waits, not reading its stream, until "
           "segments are written (a single upload always proceeds)");
  f.AddDuration("worker-interval", &o.worker_interval,
                "Period of the outbox, shard-deletion and intent-refresh workers");
  f.AddDuration("repair-interval", &o.repair_interval,
                "Period of the repair pass (it also runs on every node.down and node.up)");
  f.AddDuration("repair-down-grace", &o.repair_down_grace,
                "A node down for less is taken as restarting: its shards are rebuilt only where "
                "a segment is down to k live shards (0: rebuild at once)");
  f.AddDuration("scrub-interval", &o.scrub_interval, "Period of the scrub of every node");
  f.AddDuration("gc-interval", &o.gc_interval,
                "Period of garbage collection of shards no manifest references");
  f.AddDuration("gc-grace", &o.gc_grace,
                "Garbage collection leaves shards younger than this alone");
  f.AddInt("audit-rate", &o.audit_rate,
           "Segments audited per minute: the same stripe read from every shard and checked "
           "against the erasure code; results go to governance as file.audit.result (0: none)");
  f.AddInt("audit-stripe-bytes", &o.audit_stripe_bytes,
           "Bytes an audit reads from each shard of a segment (64 to 1048576)");
  f.AddDuration("audit-timeout", &o.audit_timeout,
                "An audited node that has not answered by then counts as offline");
  f.AddInt("reencode-bytes-per-second", &o.reencode_bytes_per_second,
           "Sealed segment bytes per second the re-encode job moves to a new erasure shape "
           "(0: unthrottled)");
  f.AddDuration("reencode-free-delay", &o.reencode_free_delay,
                "How long the old shards of a re-encoded file are kept for downloads that "
                "started before its switch");
  f.AddDuration("multipart-expiry", &o.multipart_expiry,
                "S3 multipart uploads idle longer (no part sent) are aborted by the gc job, "
                "their parts' shards and quota freed");
  f.AddInt("multipart-min-part-bytes", &o.multipart_min_part_bytes,
           "The least every part of a multipart upload but the last must hold (S3: 5 MiB)");
}

absl::Status ValidateOptions(const FileIngestOptions& o) {
  if (o.dht_addr.empty()) return absl::InvalidArgumentError("--dht-addr is required");
  if (o.multipart_expiry <= absl::ZeroDuration() || o.multipart_min_part_bytes < 0) {
    return absl::InvalidArgumentError(
        "--multipart-expiry must be positive and --multipart-min-part-bytes not negative");
  }
  if (o.segment_bytes < 4096 || o.segment_bytes > (64 << 20)) {
    return absl::InvalidArgumentError("--segment-bytes must be 4 KiB to 64 MiB");
  }
  if (o.inline_max_bytes < 0 || o.inline_max_bytes > o.segment_bytes) {
    return absl::InvalidArgumentError("--inline-max-bytes must be 0 to --segment-bytes");
  }
  if (!o.erasure_codec.empty()) {
    RETURN_IF_ERROR(erasure::ParseBackend(o.erasure_codec).status());
  }
  for (int64_t threads : {o.coding_threads, o.segment_threads, o.shard_io_threads}) {
    if (threads < 0 || threads > 1024) {
      return absl::InvalidArgumentError(
          "--coding-threads, --segment-threads and --shard-io-threads must be 0 (default) to 1024");
    }
  }
  if (o.segments_in_flight < 1 || o.segments_in_flight > 64 || o.prefetch_segments < 0 ||
      o.prefetch_segments > 64) {
    return absl::InvalidArgumentError("--segments-in-flight 1-64, --prefetch-segments 0-64");
  }
  if (o.data_shards < 1 || o.parity_shards < 0 || o.data_shards + o.parity_shards > 64) {
    return absl::InvalidArgumentError("k + m must be at most 64 (dht places up to 64 nodes)");
  }
  // 0 would acknowledge segments one node loss away from data loss.
  if (o.late_shard_budget_bytes < 0 || o.late_shard_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--late-shard-budget-bytes and --late-shard-grace must not be negative");
  }
  if (o.segment_memory_bytes < 1) {
    return absl::InvalidArgumentError("--segment-memory-bytes must be positive");
  }
  if (o.shard_read_grace <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shard-read-grace must be positive");
  }
  if (o.write_tolerance < 1 || o.write_tolerance > o.parity_shards) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--write-tolerance must be 1 to --parity-shards (", o.parity_shards,
        "): a segment must "
        "survive at least one node loss when acknowledged, and k + m shards survive at most m"));
  }
  RETURN_IF_ERROR(
      ValidateAuditFlags({o.audit_rate, o.audit_stripe_bytes, o.audit_timeout}));
  if (o.repair_interval <= absl::ZeroDuration() || o.scrub_interval <= absl::ZeroDuration() ||
      o.worker_interval <= absl::ZeroDuration() || o.gc_interval <= absl::ZeroDuration() ||
      o.gc_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("intervals must be positive and --gc-grace not negative");
  }
  if (o.reencode_bytes_per_second < 0 || o.reencode_free_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--reencode-bytes-per-second and --reencode-free-delay must not be negative");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& rt,
                                                            const FileIngestOptions& o) {
  RETURN_IF_ERROR(ValidateOptions(o));
  auto parts = std::make_unique<Parts>();
  erasure::Backend backend = erasure::DefaultBackend();
  if (!o.erasure_codec.empty()) {
    ASSIGN_OR_RETURN(backend, erasure::ParseBackend(o.erasure_codec));
  }
  ASSIGN_OR_RETURN(parts->codec, erasure::MakeCodec(backend, static_cast<int>(o.data_shards),
                                                    static_cast<int>(o.parity_shards)));
  TransferPools::ConfigureShared({static_cast<int>(o.coding_threads),
                                  static_cast<int>(o.segment_threads),
                                  static_cast<int>(o.shard_io_threads)});
  RETURN_IF_ERROR(rt.bus()->EnsureStream(bus::DurableEventsStream()));
  parts->live_codec = std::make_unique<LiveCodec>(parts->codec.get());
  parts->live_params = std::make_unique<LiveParamStore>(*rt.pg());
  RETURN_IF_ERROR(RestoreLiveParameters(o, *parts));
  parts->reencode_store = std::make_unique<ReencodeStore>(*rt.pg());
  RETURN_IF_ERROR(parts->reencode_store->AbandonEarlierRun(rt.instance_id()));
  parts->store = std::make_unique<ManifestStore>(*rt.pg(), IntentTtl(o));
  parts->intents = std::make_unique<ShardIntents>(*rt.pg(), rt.instance_id(), IntentTtl(o));
  RETURN_IF_ERROR(parts->intents->ForgetEarlierRun());
  parts->directory_dht = dht::v1::DhtService::NewStub(server::ServiceChannel(o.dht_addr));
  parts->directory = std::make_unique<NodeDirectory>(
      [dht = parts->directory_dht.get(), timeout = o.shard_timeout] {
        return ListAllNodes(*dht, timeout);
      },
      kNodeDirectoryMaxAge, kNodeDirectoryMinGap, kNodeFailureGap);
  parts->chunk_stubs = std::make_unique<ChunkStubs>(parts->directory.get());
  parts->placement =
      std::make_unique<GrpcPlacement>(o.dht_addr, o.shard_timeout, parts->directory.get());
  parts->shards = std::make_unique<GrpcShardStore>(o.shard_timeout, *parts->chunk_stubs);
  if (!o.quota_addr.empty()) {
    // Like every service-to-service channel: reconnect within a second, not after gRPC's
    // default back-off of up to two minutes once quota was briefly away.
    parts->quota = quota::v1::QuotaService::NewStub(server::ServiceChannel(o.quota_addr));
  }
  ServiceDeps deps;
  deps.store = parts->store.get();
  deps.placement = parts->placement.get();
  deps.shards = parts->shards.get();
  deps.codec = parts->codec.get();
  deps.live_codec = parts->live_codec.get();
  deps.reencode_store = parts->reencode_store.get();
  deps.reencode_bytes_per_second = o.reencode_bytes_per_second;
  deps.pipeline.segment_bytes = o.segment_bytes;
  deps.pipeline.inline_max_bytes = o.inline_max_bytes;
  deps.pipeline.segments_in_flight = static_cast<int>(o.segments_in_flight);
  deps.pipeline.prefetch_segments = static_cast<int>(o.prefetch_segments);
  deps.pipeline.write_tolerance = static_cast<int>(o.write_tolerance);
  deps.pipeline.late_shard_grace = o.late_shard_grace;
  deps.pipeline.shard_read_grace = o.shard_read_grace;
  parts->segment_budget = std::make_unique<SegmentBudget>(
      static_cast<uint64_t>(o.segment_memory_bytes), &rt.metrics());
  deps.pipeline.budget = parts->segment_budget.get();
  deps.bus = rt.bus();
  deps.quota = parts->quota.get();
  deps.source = rt.source();
  deps.metrics = &rt.metrics();
  deps.intents = parts->intents.get();
  deps.multipart_min_part_bytes = static_cast<uint64_t>(o.multipart_min_part_bytes);
  RETURN_IF_ERROR(StartMaintenance(rt, o, *parts));
  RETURN_IF_ERROR(StartParamConsumer(rt, o, *parts));
  deps.maintenance = parts->maintenance.get();
  if (o.late_shard_budget_bytes > 0) {
    parts->late = std::make_unique<LateShards>(
        static_cast<uint64_t>(o.late_shard_budget_bytes),
        [store = parts->store.get()](const std::vector<SettledShard>& settled) {
          return store->SettleWritingShards(settled);
        },
        [runner = parts->maintenance.get()] { runner->RequestRepair("late shard write failed"); },
        &rt.metrics());
    deps.late = parts->late.get();
  }
  parts->service = std::make_unique<FileServiceImpl>(std::move(deps));
  rt.AddGrpcService(parts->service.get());
  ManifestStore* store = parts->store.get();
  bus::Bus* bus = rt.bus();
  ShardStore* shards = parts->shards.get();
  parts->outbox_worker = std::make_unique<server::PeriodicTask>(
      o.worker_interval, [store, bus] { DrainOutbox(*store, *bus); });
  parts->deletion_worker = std::make_unique<server::PeriodicTask>(
      o.worker_interval, [store, shards, intents = parts->intents.get()] {
        if (auto s = intents->Refresh(); !s.ok()) {
          log::Warn("shard intent refresh failed", {{"error", s.ToString()}});
        }
        DrainDeletions(*store, *shards);
      });
  return parts;
}

}  // namespace datamesh::file_ingest
