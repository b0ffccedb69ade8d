#include "services/file-ingest/durability_gauges.h"

#include <map>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "prometheus/gauge.h"
#include "services/file-ingest/grpc_backends.h"
#include "shared/log/log.h"
#include "shared/server/channels.h"
#include "shared/server/periodic_task.h"

namespace datamesh::file_ingest {
namespace {

// The measuring replica's lock in the two-int advisory key space: ("dm", "du"), apart from the
// maintenance workers' (0x646d, 1 and 2).
constexpr int kLockClass = 0x646d;
constexpr int kLockId = 0x6475;
// A round may keep PostgreSQL busy at most 1 / kDutyFactor of the time.
constexpr int kDutyFactor = 10;

// Segments not at full margin are the only ones counted one by one: those with a shard on a
// node that is not live (found through shards_node: a loose scan lists the nodes holding shards,
// one index probe each, then only the shards of the nodes that are away are read) or a shard
// not `stored` on a live node (the partial index shards_not_stored). Every other segment has
// all k+m shards live, so it is counted in bulk per shape. A segment has exactly k+m shard rows
// (a missing one has node id '', which is never up).
constexpr char kMarginSql[] = R"sql(
WITH RECURSIVE held_on AS (
  (SELECT node_id FROM files.shards ORDER BY node_id LIMIT 1)
  UNION ALL
  SELECT (SELECT s.node_id FROM files.shards s WHERE s.node_id > h.node_id
          ORDER BY s.node_id LIMIT 1)
  FROM held_on h WHERE h.node_id IS NOT NULL
), away AS (
  SELECT node_id FROM held_on WHERE node_id IS NOT NULL
    AND (node_id <> ALL (string_to_array($1, ','))
         OR node_id IN (SELECT node_id FROM files.disqualified_nodes))
), not_live AS (
  SELECT content_id, segment_idx FROM files.shards WHERE node_id IN (SELECT node_id FROM away)
  UNION ALL
  SELECT content_id, segment_idx FROM files.shards
  WHERE state <> 'stored' AND node_id NOT IN (SELECT node_id FROM away)
), short AS (
  SELECT n.content_id, c.parity_shards AS parity, c.parity_shards - count(*) AS spare
  FROM not_live n JOIN files.contents c ON c.id = n.content_id
  GROUP BY n.content_id, n.segment_idx, c.parity_shards
)
SELECT 'total', c.parity_shards, 0, count(*)
  FROM files.segments sg JOIN files.contents c ON c.id = sg.content_id GROUP BY 2
UNION ALL
SELECT 'short', parity, GREATEST(spare, -1), count(*) FROM short GROUP BY 2, 3
UNION ALL
SELECT 'files', 0, 0, count(*) FROM files.files f
  WHERE f.content_id IN (SELECT content_id FROM short WHERE spare < 0)
)sql";

std::string SpareLabel(int spare) { return spare < 0 ? "lost" : std::to_string(spare); }

}  // namespace

absl::StatusOr<DurabilityFigures> MeasureDurability(pqxx::transaction_base& tx,
                                                    const std::set<std::string>& up_nodes) {
  std::map<int, uint64_t> totals;                 // m -> segments
  std::map<std::pair<int, int>, uint64_t> below_full;  // (m, spare < m) -> segments
  DurabilityFigures out;
  try {
    // JIT compiles this plan for longer than it runs; the aggregate's hash tables fit in 64 MiB
    // for a few million short segments instead of spilling.
    tx.exec("SET LOCAL jit = off");
    tx.exec("SET LOCAL work_mem = '64MB'");
    const pqxx::result r = tx.exec_params(kMarginSql, absl::StrJoin(up_nodes, ","));
    for (const pqxx::row& row : r) {
      const std::string kind = row[0].as<std::string>();
      const int parity = row[1].as<int>();
      const uint64_t count = row[3].as<uint64_t>();
      if (kind == "total") totals[parity] = count;
      if (kind == "short") below_full[{parity, row[2].as<int>()}] = count;
      if (kind == "files") out.files_lost = count;
    }
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("durability margin: ", e.what()));
  }
  for (const auto& [parity, total] : totals) {
    uint64_t below = 0;
    for (int spare = parity - 1; spare >= -1; --spare) below += below_full[{parity, spare}];
    out.buckets.push_back({parity, parity, total - below});
    for (int spare = parity - 1; spare >= -1; --spare) {
      out.buckets.push_back({parity, spare, below_full[{parity, spare}]});
    }
  }
  return out;
}

void RegisterDurabilityFlags(config::FlagSet& f, DurabilityGaugeOptions& o) {
  f.AddDuration("durability-interval", &o.interval,
                "How often one file-ingest replica measures the durability margin (segments by "
                "live shards) for its metrics; a slow measurement spaces the next ones out");
}

class DurabilityGauges::Impl {
 public:
  Impl(std::string pg_url, UpNodes up_nodes, prometheus::Registry& registry,
       absl::Duration interval)
      : pg_url_(std::move(pg_url)),
        up_nodes_(std::move(up_nodes)),
        by_spare_(prometheus::BuildGauge()
                      .Name("datamesh_segments_by_spare_shards")
                      .Help("Stored segments by live shards beyond k (spare), per erasure "
                            "shape's parity m; spare=\"lost\": fewer than k live")
                      .Register(registry)),
        files_lost_(prometheus::BuildGauge()
                        .Name("datamesh_files_lost")
                        .Help("Files with a segment that has fewer than k live shards")
                        .Register(registry)),
        measured_at_(prometheus::BuildGauge()
                         .Name("datamesh_durability_measured_timestamp_seconds")
                         .Help("When the durability margin was last measured (Unix seconds)")
                         .Register(registry)),
        cost_(prometheus::BuildGauge()
                  .Name("datamesh_durability_measure_seconds")
                  .Help("How long the last durability margin measurement took")
                  .Register(registry)),
        task_(interval, [this] { Round(); }) {}

  ~Impl() { Stop(); }

  void Stop() {
    task_.Stop();
    std::lock_guard<std::mutex> lock(mu_);
    conn_.reset();  // closing the session releases the lock
    ClearLocked();
  }

  bool measuring() const {
    std::lock_guard<std::mutex> lock(mu_);
    return conn_ != nullptr;
  }

 private:
  void Round() {
    std::lock_guard<std::mutex> lock(mu_);
    if (conn_ == nullptr && !TryLockLocked()) return;
    if (absl::Now() < not_before_) return;
    absl::StatusOr<std::set<std::string>> up = up_nodes_();
    if (!up.ok()) {
      log::Warn("durability margin not measured: node states unknown",
                {{"error", up.status().ToString()}});
      return;
    }
    const absl::Time start = absl::Now();
    absl::StatusOr<DurabilityFigures> figures;
    try {
      pqxx::read_transaction tx(*conn_);
      figures = MeasureDurability(tx, *up);
      if (figures.ok()) tx.commit();
    } catch (const std::exception& e) {
      figures = absl::UnavailableError(e.what());
    }
    const absl::Duration took = absl::Now() - start;
    not_before_ = start + kDutyFactor * took;
    if (!figures.ok()) {
      log::Warn("durability margin not measured", {{"error", figures.status().ToString()}});
      if (!conn_->is_open()) {  // the lock went with the session: start over next round
        conn_.reset();
        ClearLocked();
      }
      return;
    }
    PublishLocked(*figures, start, took);
  }

  bool TryLockLocked() {
    try {
      auto conn = std::make_unique<pqxx::connection>(pg_url_);
      pqxx::nontransaction n(*conn);
      if (!n.exec_params1("SELECT pg_try_advisory_lock($1, $2)", kLockClass, kLockId)[0]
               .as<bool>()) {
        ClearLocked();  // another replica measures
        return false;
      }
      conn_ = std::move(conn);
      log::Info("measuring the durability margin for this replica's metrics");
      return true;
    } catch (const std::exception& e) {
      log::Warn("durability margin lock unavailable", {{"error", std::string(e.what())}});
      return false;
    }
  }

  void PublishLocked(const DurabilityFigures& f, absl::Time at, absl::Duration took) {
    for (const DurabilityBucket& b : f.buckets) {
      const std::pair<int, int> key{b.parity_shards, b.spare_shards};
      auto it = buckets_.find(key);
      if (it == buckets_.end()) {
        it = buckets_
                 .emplace(key, &by_spare_.Add({{"parity", std::to_string(b.parity_shards)},
                                               {"spare", SpareLabel(b.spare_shards)}}))
                 .first;
      }
      it->second->Set(static_cast<double>(b.segments));
    }
    // A shape no segment has any more (re-encoded away) leaves no series behind.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      bool present = false;
      for (const DurabilityBucket& b : f.buckets) {
        present |= b.parity_shards == it->first.first && b.spare_shards == it->first.second;
      }
      if (present) {
        ++it;
      } else {
        by_spare_.Remove(it->second);
        it = buckets_.erase(it);
      }
    }
    if (files_ == nullptr) files_ = &files_lost_.Add({});
    files_->Set(static_cast<double>(f.files_lost));
    if (stamp_ == nullptr) stamp_ = &measured_at_.Add({});
    stamp_->Set(absl::ToDoubleSeconds(at - absl::UnixEpoch()));
    if (took_ == nullptr) took_ = &cost_.Add({});
    took_->Set(absl::ToDoubleSeconds(took));
  }

  void ClearLocked() {
    for (const auto& [key, gauge] : buckets_) by_spare_.Remove(gauge);
    buckets_.clear();
    if (files_ != nullptr) files_lost_.Remove(std::exchange(files_, nullptr));
    if (stamp_ != nullptr) measured_at_.Remove(std::exchange(stamp_, nullptr));
    if (took_ != nullptr) cost_.Remove(std::exchange(took_, nullptr));
  }

  const std::string pg_url_;
  const UpNodes up_nodes_;
  prometheus::Family<prometheus::Gauge>& by_spare_;
  prometheus::Family<prometheus::Gauge>& files_lost_;
  prometheus::Family<prometheus::Gauge>& measured_at_;
  prometheus::Family<prometheus::Gauge>& cost_;
  mutable std::mutex mu_;
  std::unique_ptr<pqxx::connection> conn_;  // holds the lock while set
  absl::Time not_before_ = absl::InfinitePast();
  std::map<std::pair<int, int>, prometheus::Gauge*> buckets_;
  prometheus::Gauge* files_ = nullptr;
  prometheus::Gauge* stamp_ = nullptr;
  prometheus::Gauge* took_ = nullptr;
  server::PeriodicTask task_;  // last: its thread uses the members above
};

DurabilityGauges::DurabilityGauges(std::string pg_url, UpNodes up_nodes,
                                   prometheus::Registry& registry, absl::Duration interval)
    : impl_(std::make_unique<Impl>(std::move(pg_url), std::move(up_nodes), registry, interval)) {}

DurabilityGauges::~DurabilityGauges() = default;

void DurabilityGauges::Stop() { impl_->Stop(); }

bool DurabilityGauges::measuring() const { return impl_->measuring(); }

std::unique_ptr<server::ServiceParts> WithDurabilityGauges(
    std::unique_ptr<server::ServiceParts> inner, server::Runtime& rt, const std::string& dht_addr,
    absl::Duration rpc_timeout, const DurabilityGaugeOptions& options) {
  struct Parts : server::ServiceParts {
    std::unique_ptr<server::ServiceParts> inner;
    std::unique_ptr<dht::v1::DhtService::Stub> dht;
    std::unique_ptr<DurabilityGauges> gauges;  // last: it calls dht
    void Stop() override {
      gauges->Stop();
      inner->Stop();
    }
  };
  auto parts = std::make_unique<Parts>();
  parts->inner = std::move(inner);
  parts->dht = dht::v1::DhtService::NewStub(server::ServiceChannel(dht_addr));
  auto up_nodes = [dht = parts->dht.get(),
                   rpc_timeout]() -> absl::StatusOr<std::set<std::string>> {
    absl::StatusOr<std::vector<dht::v1::Node>> nodes =
        ListNodesIn(*dht, dht::v1::NODE_STATE_UP, rpc_timeout);
    if (!nodes.ok()) return nodes.status();
    std::set<std::string> ids;
    for (const dht::v1::Node& n : *nodes) ids.insert(n.id());
    return ids;
  };
  parts->gauges = std::make_unique<DurabilityGauges>(rt.options().pg_url, std::move(up_nodes),
                                                     rt.metrics(), options.interval);
  return parts;
}

}  // namespace datamesh::file_ingest
