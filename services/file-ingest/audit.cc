#include "services/file-ingest/audit.h"

#include <future>
#include <optional>

#include "absl/strings/str_cat.h"
#include "services/file-ingest/audit_store.h"
#include "services/file-ingest/audit_stripe.h"
#include "shared/bus/bus.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

ShardAudit Judged(const ShardRecord& s, AuditOutcome outcome, std::string reason) {
  return {s.index, s.shard_id, s.node, outcome, std::move(reason)};
}

// What a failed read says about the node: only an answer that the bytes are gone or short is
// held against it; silence is "offline", other errors are nobody's fault we can prove.
AuditOutcome OutcomeOfReadError(const absl::Status& status) {
  if (absl::IsNotFound(status) || absl::IsOutOfRange(status) || absl::IsDataLoss(status)) {
    return AuditOutcome::kFailure;
  }
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return AuditOutcome::kOffline;
  }
  return AuditOutcome::kUnknown;
}

// Shards sharing the same rows and nodes: the manifest did not change under the audit.
bool SameShards(const SegmentLayout& a, const SegmentLayout& b) {
  if (a.shards.size() != b.shards.size()) return false;
  for (size_t i = 0; i < a.shards.size(); ++i) {
    const ShardRecord &x = a.shards[i], &y = b.shards[i];
    if (x.index != y.index || x.shard_id != y.shard_id || x.node.id != y.node.id ||
        x.state != y.state) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view AuditOutcomeName(AuditOutcome outcome) {
  switch (outcome) {
    case AuditOutcome::kSuccess: return "success";
    case AuditOutcome::kFailure: return "failure";
    case AuditOutcome::kOffline: return "offline";
    case AuditOutcome::kUnknown: return "unknown";
  }
  return "unknown";
}

absl::StatusOr<std::vector<ShardAudit>> AuditSegment(const SegmentLayout& segment,
                                                     StripeReader& reader, uint64_t stripe_bytes,
                                                     uint64_t random) {
  auto codec =
      erasure::SharedCodecForId(segment.codec_id, segment.data_shards, segment.parity_shards);
  if (!codec.ok()) return absl::InvalidArgumentError(codec.status().message());
  const int n = (*codec)->total_shards();
  if (static_cast<int>(segment.shards.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("segment has ", segment.shards.size(), " shard rows, its code ", n));
  }
  const StripeRange range = ChooseStripe(**codec, segment.shard_size, stripe_bytes, random);
  std::vector<std::future<absl::StatusOr<std::string>>> reads;
  for (const ShardRecord& s : segment.shards) {
    reads.push_back(std::async(std::launch::async, [&reader, &s, range] {
      return reader.ReadRange(s.node, s.shard_id, range.offset, range.length);
    }));
  }
  std::vector<std::optional<std::string>> stripes(n);
  std::vector<ShardAudit> out(n);
  std::vector<bool> judged(n, false);
  for (int i = 0; i < n; ++i) {
    const ShardRecord& s = segment.shards[i];
    absl::StatusOr<std::string> got = reads[i].get();
    if (got.ok() && got->size() != range.length) {
      got = absl::DataLossError("the node answered fewer bytes than the shard holds");
    }
    if (got.ok()) {
      stripes[s.index] = std::move(*got);
    } else {
      out[i] = Judged(s, OutcomeOfReadError(got.status()),
                      std::string(got.status().message()).substr(0, 200));
      judged[i] = true;
    }
  }
  ASSIGN_OR_RETURN(StripeVerdict verdict, CheckStripes(**codec, stripes));
  for (int i = 0; i < n; ++i) {
    if (judged[i]) continue;
    const ShardRecord& s = segment.shards[i];
    if (verdict.consistent) {
      out[i] = Judged(s, AuditOutcome::kSuccess, "");
    } else if (verdict.culprit >= 0) {
      out[i] = s.index == verdict.culprit
                   ? Judged(s, AuditOutcome::kFailure,
                            "stripe inconsistent with the segment's other shards")
                   : Judged(s, AuditOutcome::kSuccess, "");
    } else {
      out[i] = Judged(s, AuditOutcome::kUnknown,
                      verdict.checked ? "stripes disagree; the wrong one cannot be told"
                                      : "too few stripes answered to check");
    }
  }
  return out;
}

events::v1::Event AuditEvent(std::string_view source, const std::string& audit_id,
                             const SegmentLayout& segment, const ShardAudit& result) {
  events::v1::Event e = bus::NewEvent("file.audit.result", source);
  auto* p = e.mutable_file_audit_result();
  p->set_node_id(result.node.id);
  p->set_outcome(std::string(AuditOutcomeName(result.outcome)));
  p->set_reason(result.reason);
  p->set_content_id(segment.content_id);
  p->set_segment_index(segment.segment_index);
  p->set_shard_index(static_cast<uint32_t>(result.shard_index));
  p->set_shard_id(result.shard_id);
  p->set_audit_id(audit_id);
  return e;
}

AuditWorker::AuditWorker(AuditStore& store, StripeReader& reader, bus::Bus* bus,
                         AuditOptions options, prometheus::Registry* metrics)
    : store_(store),
      reader_(reader),
      bus_(bus),
      options_(std::move(options)),
      random_(std::random_device{}()) {
  if (metrics != nullptr) {
    results_ = &prometheus::BuildCounter()
                    .Name("datamesh_file_ingest_audit_shards_total")
                    .Help("Shards audited by their stripe, by outcome")
                    .Register(*metrics);
  }
}

absl::StatusOr<std::vector<ShardAudit>> AuditWorker::RunOnce() {
  ASSIGN_OR_RETURN(std::optional<SegmentLayout> segment, store_.SampleSegment());
  if (!segment) return std::vector<ShardAudit>();
  ASSIGN_OR_RETURN(std::vector<ShardAudit> results,
                   AuditSegment(*segment, reader_, options_.stripe_bytes, random_()));
  ASSIGN_OR_RETURN(std::optional<SegmentLayout> now,
                   store_.Layout(segment->content_id, segment->segment_index));
  if (!now || !SameShards(*segment, *now)) return std::vector<ShardAudit>();
  const std::string audit_id = bus::NewUuidV4();
  std::vector<events::v1::Event> events;
  std::vector<std::string> bytes;
  for (const ShardAudit& r : results) {
    events.push_back(AuditEvent(options_.source, audit_id, *segment, r));
    bytes.push_back(events.back().SerializeAsString());
    if (results_ != nullptr) {
      results_->Add({{"outcome", std::string(AuditOutcomeName(r.outcome))}}).Increment();
    }
    if (r.outcome == AuditOutcome::kFailure) {
      log::Warn("audit failed", {{"node", r.node.id},
                                 {"content_id", segment->content_id},
                                 {"segment", static_cast<int64_t>(segment->segment_index)},
                                 {"shard", static_cast<int64_t>(r.shard_index)},
                                 {"reason", r.reason}});
    }
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> ids, store_.AppendEvents(bytes));
  // Published at once; what fails here waits in the outbox for its worker (same event ids).
  for (size_t i = 0; bus_ != nullptr && i < events.size(); ++i) {
    if (!bus_->PublishDurable(events[i]).ok()) break;
    (void)store_.RemoveEvent(ids[i]);
  }
  return results;
}

}  // namespace datamesh::file_ingest
