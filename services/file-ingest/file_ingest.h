// The file-ingest service's flags and its build function (what main.cc wires in).
//
// Build connects the dht, chunk-store and quota clients, ensures the durable event stream,
// registers FileService and starts the background workers: the outbox publisher (events a
// crash or a NATS outage left unpublished after their commit), the shard-deletion drainer
// (shards of deleted files and of uploads that never committed, which also refreshes this
// instance's shard intents), and maintenance (maintenance.h): repair on every dht node.down
// (durable consumer "file-ingest-repair" on stream DM_NODES) and every --repair-interval,
// scrub every --scrub-interval, and jobs started by RunMaintenance. Governance's executed
// changes of erasure.* and audit.ratePerMinute are applied live (param_consumer.h); the values
// applied last (files.live_parameters) win over the flags at start, and a re-encode job
// resumes at start when stored contents are not in the current shape.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/config/flags.h"
#include "shared/server/runtime.h"
#include "shared/server/service_main.h"

namespace datamesh::file_ingest {

struct FileIngestOptions {
  std::string dht_addr;
  std::string quota_addr;
  int64_t segment_bytes = 4 << 20;
  int64_t data_shards = 4;
  int64_t parity_shards = 2;
  int64_t inline_max_bytes = 4096;
  int64_t segments_in_flight = 4;
  int64_t prefetch_segments = 2;
  int64_t write_tolerance = 1;
  absl::Duration shard_timeout = absl::Seconds(10);
  absl::Duration late_shard_grace = absl::Milliseconds(500);
  absl::Duration shard_read_grace = absl::Seconds(2);
  int64_t late_shard_budget_bytes = 128 << 20;
  // Memory all uploads' segments may hold at once (segment_budget.h).
  int64_t segment_memory_bytes = 256 << 20;
  absl::Duration worker_interval = absl::Seconds(5);
  absl::Duration repair_interval = absl::Minutes(5);
  absl::Duration scrub_interval = absl::Hours(24);
  absl::Duration gc_interval = absl::Hours(1);
  absl::Duration gc_grace = absl::Hours(1);
  absl::Duration repair_down_grace = absl::Minutes(5);
  // Backend new uploads are coded with ("isal" when built, else "jerasure"); files keep the
  // codec they were written with.
  std::string erasure_codec;
  // Worker pools shared by every transfer (worker_pool.h); 0: the defaults there.
  int64_t coding_threads = 0;
  int64_t segment_threads = 0;
  int64_t shard_io_threads = 0;
  // Audits (audit.h): segments per minute (0: none), bytes read per shard, read deadline.
  int64_t audit_rate = 6;
  int64_t audit_stripe_bytes = 4096;
  absl::Duration audit_timeout = absl::Seconds(5);
  // The re-encode job (maintenance.h): sealed bytes per second, and how long old shards of a
  // switched content are kept for downloads already under way.
  int64_t reencode_bytes_per_second = 32 << 20;
  absl::Duration reencode_free_delay = absl::Minutes(10);
  // S3 multipart: uploads idle longer are aborted by the gc job; the least every part but the
  // last must hold.
  absl::Duration multipart_expiry = absl::Hours(168);
  int64_t multipart_min_part_bytes = 5 << 20;
};

void RegisterFlags(config::FlagSet& flags, FileIngestOptions& options);

// INVALID_ARGUMENT for inconsistent settings.
[[nodiscard]] absl::Status ValidateOptions(const FileIngestOptions& options);

absl::StatusOr<std::unique_ptr<server::ServiceParts>> Build(server::Runtime& runtime,
                                                            const FileIngestOptions& options);

}  // namespace datamesh::file_ingest
