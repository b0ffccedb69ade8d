// The durability margin as gauges on file-ingest's /metrics: how many segments have k+m,
// k+m-1, ... k live shards, how many fewer than k, and how many files hold such a segment.
//
//   datamesh_segments_by_spare_shards{parity="2",spare="2"|"1"|"0"|"lost"}  segments
//   datamesh_files_lost                                                      files
//   datamesh_durability_measured_timestamp_seconds                          when measured
//   datamesh_durability_measure_seconds                                     what it cost
//
// spare = live shards - k, for every shape's m stored (zeros included, so a dashboard and the
// health view always see every bucket); "lost" = fewer than k live. A shard is live when it is
// `stored` on a node dht lists as up and governance did not disqualify -- GetHealth's rule, so
// a node that is merely down makes its segments count one spare shard less (and "lost" also
// covers segments that are only unreadable until their nodes come back).
//
// One replica measures at a time: the one holding a session-level advisory lock on a connection
// of its own, on which it also runs the query; the others export none of these series and try
// the lock every round, so when the holder dies (its connection closes) another takes over
// within an interval. Rules therefore read `max without (instance, service)`: a hand-over may
// briefly show two replicas with the same figures. A failed round (dht or PostgreSQL away)
// keeps the last figures; the timestamp says how old they are.
//
// Cost: one statement (MeasureDurability); the next round waits at least 9 times as long as the
// last one took, so the measurement never keeps PostgreSQL busy more than a tenth of the time.
//
// Thread-safe: the rounds run on the gauges' own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/registry.h"
#include "shared/config/flags.h"
#include "shared/server/runtime.h"
#include "shared/server/service_main.h"

namespace datamesh::file_ingest {

struct DurabilityBucket {
  int parity_shards = 0;  // m of the segments' shape
  int spare_shards = 0;   // live shards - k, 0..m; -1: fewer than k live
  uint64_t segments = 0;
};

struct DurabilityFigures {
  // Every (m, spare) for spare m..0 and -1 of each m stored, zeros included; by m, then spare
  // from m down.
  std::vector<DurabilityBucket> buckets;
  uint64_t files_lost = 0;  // files with at least one segment below k live shards
};

// Runs the aggregate in `tx` with `up_nodes` (dht's up nodes; ids must not contain ',') as the
// live ones, less the disqualified. INTERNAL (the SQL error) when the statement fails.
[[nodiscard]] absl::StatusOr<DurabilityFigures> MeasureDurability(
    pqxx::transaction_base& tx, const std::set<std::string>& up_nodes);

struct DurabilityGaugeOptions {
  absl::Duration interval = absl::Seconds(60);  // --durability-interval
};

void RegisterDurabilityFlags(config::FlagSet& flags, DurabilityGaugeOptions& options);

class DurabilityGauges {
 public:
  using UpNodes = std::function<absl::StatusOr<std::set<std::string>>()>;

  // Starts measuring (the first round at once). `registry` must outlive this object.
  DurabilityGauges(std::string pg_url, UpNodes up_nodes, prometheus::Registry& registry,
                   absl::Duration interval);
  ~DurabilityGauges();  // Stop()
  // Ends the rounds, drops the lock and the series. Idempotent.
  void Stop();

  // Whether this replica held the lock at its last round (tests).
  bool measuring() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// `inner` (file-ingest's parts) plus the gauges, which ask dht at `dht_addr` for the up nodes;
// stopped before `inner`.
std::unique_ptr<server::ServiceParts> WithDurabilityGauges(
    std::unique_ptr<server::ServiceParts> inner, server::Runtime& runtime,
    const std::string& dht_addr, absl::Duration rpc_timeout,
    const DurabilityGaugeOptions& options);

}  // namespace datamesh::file_ingest
