#include "services/file-ingest/param_consumer.h"

#include <cmath>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

using google::protobuf::Value;

constexpr int64_t kMaxShards = 64;  // dht places at most this many nodes per segment
constexpr int64_t kMaxAuditRate = 60000;

// An integer from a JSON number or a decimal string (governance sends what the proposal held).
absl::StatusOr<int64_t> IntegerOf(const std::string& key, const Value& v) {
  int64_t n = 0;
  if (v.kind_case() == Value::kNumberValue && v.number_value() == std::trunc(v.number_value()) &&
      std::fabs(v.number_value()) < 9.007e15) {
    return static_cast<int64_t>(v.number_value());
  }
  if (v.kind_case() == Value::kStringValue && absl::SimpleAtoi(v.string_value(), &n)) return n;
  return absl::InvalidArgumentError(key + " must be an integer");
}

}  // namespace

absl::Status ParamChangeConsumer::Start(bus::Bus& bus, const std::string& durable) {
  RETURN_IF_ERROR(bus.EnsureStream(bus::DurableEventsStream()));
  bus::ConsumerConfig config;
  config.stream = bus::kDurableEventsStreamName;
  config.durable = durable;
  config.filter_subject = bus::SubjectFor("governance.proposal.executed");
  ASSIGN_OR_RETURN(consumer_, bus.ConsumeDurable(config, [this, &bus](const events::v1::Event& e) {
    return Handle(bus, e);
  }));
  return absl::OkStatus();
}

absl::Status ParamChangeConsumer::Check(int64_t k, int64_t m, bool shape_changes,
                                        int64_t audit_rate) {
  if (audit_rate != -1 && (audit_rate < 0 || audit_rate > kMaxAuditRate)) {
    return absl::InvalidArgumentError(
        absl::StrCat(kAuditRateKey, " must be 0 to ", kMaxAuditRate, " segments per minute"));
  }
  if (!shape_changes) return absl::OkStatus();
  if (k < 1 || m < 1 || k + m > kMaxShards) {
    return absl::InvalidArgumentError(
        absl::StrCat("erasure shape ", k, "+", m, ": k and m must be at least 1 and k + m at most ",
                     kMaxShards));
  }
  if (m < write_tolerance_) {
    return absl::InvalidArgumentError(
        absl::StrCat("erasure shape ", k, "+", m, ": m must be at least --write-tolerance (",
                     write_tolerance_, "), the node losses a new segment must survive"));
  }
  ASSIGN_OR_RETURN(int nodes, hooks_.count_nodes());
  if (k + m > nodes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "erasure shape ", k, "+", m, " needs ", k + m, " storage nodes for one shard each; ", nodes,
        " are known (up or down), so segments would double up on nodes"));
  }
  return absl::OkStatus();
}

absl::Status ParamChangeConsumer::Handle(bus::Bus& bus, const events::v1::Event& event) {
  if (!event.has_proposal_executed()) return absl::OkStatus();
  const events::v1::ProposalExecuted& x = event.proposal_executed();
  if (x.type() != "parameter_change") return absl::OkStatus();
  std::map<std::string, const Value*> mine;
  for (const auto& [key, value] : x.change().fields()) {
    if (key == kDataShardsKey || key == kParityShardsKey || key == kAuditRateKey) {
      mine[key] = &value;
    }
  }
  if (mine.empty()) return absl::OkStatus();  // nothing of file-ingest's: no answer due
  ASSIGN_OR_RETURN(bool processed, store_.Processed(event.id()));
  if (processed) return absl::OkStatus();

  const erasure::ErasureCodec* now = codec_.Get();
  std::map<std::string, int64_t> values;
  absl::Status refused;
  for (const auto& [key, value] : mine) {
    absl::StatusOr<int64_t> n = IntegerOf(key, *value);
    if (!n.ok()) {
      refused = n.status();
      break;
    }
    values[key] = *n;
  }
  const int64_t k = values.count(kDataShardsKey) ? values[kDataShardsKey] : now->data_shards();
  const int64_t m =
      values.count(kParityShardsKey) ? values[kParityShardsKey] : now->parity_shards();
  const bool shape_changes = k != now->data_shards() || m != now->parity_shards();
  const int64_t rate = values.count(kAuditRateKey) ? values[kAuditRateKey] : -1;
  if (refused.ok()) refused = Check(k, m, shape_changes, rate);
  // The database being away is not a refusal: retry the event later.
  if (absl::IsUnavailable(refused) || absl::IsDeadlineExceeded(refused)) return refused;
  // The codec first: a shape it refuses is a refusal, stored nowhere. A failed save is
  // retried with the event (the swap is then repeated, harmlessly).
  if (refused.ok()) refused = codec_.Set(static_cast<int>(k), static_cast<int>(m));
  if (refused.ok()) RETURN_IF_ERROR(store_.Save(values, x.proposal_id()));
  if (refused.ok() && rate >= 0 && hooks_.set_audit_rate) hooks_.set_audit_rate(rate);
  if (refused.ok() && shape_changes && hooks_.on_shape_changed) {
    hooks_.on_shape_changed(x.proposal_id());
  }

  events::v1::Event answer = bus::NewEvent("governance.change.applied", source_);
  events::v1::ChangeApplied* a = answer.mutable_change_applied();
  a->set_proposal_id(x.proposal_id());
  a->set_service("file-ingest");
  a->set_ok(refused.ok());
  a->set_reason(std::string(refused.message()));
  RETURN_IF_ERROR(bus.PublishDurable(answer));
  log::Info("governance parameter change", {{"proposal_id", x.proposal_id()},
                                            {"ok", refused.ok() ? "true" : "false"},
                                            {"data_shards", k},
                                            {"parity_shards", m},
                                            {"reason", std::string(refused.message())}});
  return store_.MarkProcessed(event.id());
}

}  // namespace datamesh::file_ingest
