// Audits: a worker that challenges random stored segments and reports, per shard, whether its
// node still holds the right bytes (file.audit.result events, which governance turns into each
// node's reputation).
//
// The proof is a stripe check (audit_stripe.h): the same small range (--audit-stripe-bytes, 4
// KiB) at a random offset is read from all k + m shards of the segment with ranged GetShard
// calls, and the stripes must form one codeword of the file's own codec (files.contents.codec_id).
// Why this proof: it needs nothing precomputed or stored beside the manifest, works for every
// file already stored, costs k + m small reads per audit, and the auditor trusts no node and
// needs no data key -- a node cannot produce a stripe consistent with the others without
// holding its shard's bytes, and the offset is unknown until asked. With m >= 2 and every shard
// answering the odd stripe is named (its node fails); with m = 1 a wrong stripe is detected but
// nobody is blamed ("unknown").
//
// Per shard: its stripe agrees -> success; it disagrees, or the node answers NOT_FOUND (shard
// gone) or a short read -> failure; no answer within the timeout (UNAVAILABLE,
// DEADLINE_EXCEEDED) -> offline, counted apart from failures; anything else, or stripes that
// disagree without a culprit -> unknown.
//
// Segments whose manifest changes during the audit (a repair moved a shard, the file was
// deleted) are not reported: after the reads the segment's shard rows are read again and the
// audit is dropped unless they are the same. Only segments whose shards are all `stored` are
// sampled (a `writing` shard may not have landed yet).
//
// Thread-safe: AuditSegment is a free function; an AuditWorker's RunOnce may be called from one
// thread at a time (its PeriodicTask's).
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "datamesh/events/v1/event.pb.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/file-ingest/repair.h"  // SegmentLayout

namespace datamesh::bus {
class Bus;
}

namespace datamesh::file_ingest {

class AuditStore;

enum class AuditOutcome { kSuccess, kFailure, kOffline, kUnknown };

// "success", "failure", "offline", "unknown" (FileAuditResult.outcome).
std::string_view AuditOutcomeName(AuditOutcome outcome);

struct ShardAudit {
  int shard_index = 0;
  std::string shard_id;
  NodeRef node;
  AuditOutcome outcome = AuditOutcome::kUnknown;
  std::string reason;  // empty for successes
};

// Reads a byte range of a shard from its node. Implementations must be thread-safe.
class StripeReader {
 public:
  virtual ~StripeReader() = default;
  // Exactly `length` bytes from `offset`. NOT_FOUND: the node does not hold the shard;
  // OUT_OF_RANGE or DATA_LOSS: the shard is shorter than the manifest says; UNAVAILABLE or
  // DEADLINE_EXCEEDED: the node did not answer.
  [[nodiscard]] virtual absl::StatusOr<std::string> ReadRange(const NodeRef& node,
                                                              const std::string& shard_id,
                                                              uint64_t offset, uint64_t length) = 0;
};

// Audits one segment: reads the stripe at `random`'s offset (ChooseStripe) from every shard in
// parallel and judges each. One entry per shard of `segment`, in its order. INVALID_ARGUMENT for
// a layout its codec cannot check (unknown codec id, wrong shard count).
[[nodiscard]] absl::StatusOr<std::vector<ShardAudit>> AuditSegment(const SegmentLayout& segment,
                                                                   StripeReader& reader,
                                                                   uint64_t stripe_bytes,
                                                                   uint64_t random);

// The durable event for one shard's result (type "file.audit.result").
events::v1::Event AuditEvent(std::string_view source, const std::string& audit_id,
                             const SegmentLayout& segment, const ShardAudit& result);

struct AuditOptions {
  uint64_t stripe_bytes = 4096;
  std::string source;  // "file-ingest/<instance>", the events' source
};

class AuditWorker {
 public:
  // Not owned: `store`, `reader` and `metrics` (may be null) outlive the worker; `bus` may be
  // null (events then wait in the outbox for its drain).
  AuditWorker(AuditStore& store, StripeReader& reader, bus::Bus* bus, AuditOptions options,
              prometheus::Registry* metrics);

  // Audits one random segment and records its results (files.outbox, then published). Empty
  // when nothing is stored or the segment changed during the audit.
  [[nodiscard]] absl::StatusOr<std::vector<ShardAudit>> RunOnce();

 private:
  AuditStore& store_;
  StripeReader& reader_;
  bus::Bus* const bus_;
  const AuditOptions options_;
  std::mt19937_64 random_;
  prometheus::Family<prometheus::Counter>* results_ = nullptr;
};

}  // namespace datamesh::file_ingest
