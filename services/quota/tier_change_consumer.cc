#include "services/quota/tier_change_consumer.h"

#include <cmath>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "services/quota/quota_domain.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::quota {
namespace {

using google::protobuf::Value;

// An integer from a JSON number or decimal string; null gives nullopt when `nullable`.
absl::StatusOr<std::optional<uint64_t>> Amount(const std::string& key, const Value& v,
                                               bool nullable) {
  if (v.kind_case() == Value::kNullValue && nullable) return std::optional<uint64_t>();
  uint64_t n = 0;
  if (v.kind_case() == Value::kNumberValue && v.number_value() >= 0 &&
      v.number_value() == std::trunc(v.number_value()) && v.number_value() <= 9.007e15) {
    return std::optional<uint64_t>(static_cast<uint64_t>(v.number_value()));
  }
  if (v.kind_case() == Value::kStringValue && absl::SimpleAtoi(v.string_value(), &n)) {
    return std::optional<uint64_t>(n);
  }
  return absl::InvalidArgumentError(key + ": not a non-negative integer");
}

// Sets one field of `tier` from `key`'s last segment. INVALID_ARGUMENT: unknown field or value.
absl::Status SetField(TierDef& tier, const std::string& field, const std::string& key,
                      const Value& v) {
  const bool limit =
      field == "storageBytes" || field == "bandwidthBytesMonth" || field == "apiCallsHour";
  ASSIGN_OR_RETURN(std::optional<uint64_t> n, Amount(key, v, limit));
  if (field == "storageBytes")
    tier.limits.storage_bytes = n;
  else if (field == "bandwidthBytesMonth")
    tier.limits.bandwidth_bytes_month = n;
  else if (field == "apiCallsHour")
    tier.limits.api_calls_hour = n;
  else if (field == "monthlyFee")
    tier.monthly_fee_micros = static_cast<int64_t>(*n);
  else if (field == "storageGbMonthPrice")
    tier.storage_gb_month_micros = static_cast<int64_t>(*n);
  else if (field == "bandwidthGbPrice")
    tier.bandwidth_gb_micros = static_cast<int64_t>(*n);
  else
    return absl::InvalidArgumentError(key + ": not a tier parameter quota knows");
  return absl::OkStatus();
}

}  // namespace

absl::Status TierChangeConsumer::Start(bus::Bus& bus, const std::string& durable) {
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

absl::Status TierChangeConsumer::Handle(bus::Bus& bus, const events::v1::Event& event) {
  if (!event.has_proposal_executed()) return absl::OkStatus();
  const events::v1::ProposalExecuted& x = event.proposal_executed();
  if (x.type() != "parameter_change") return absl::OkStatus();
  // tier name -> (field -> value) of the keys quota owns.
  std::map<std::string, std::map<std::string, const Value*>> changes;
  for (const auto& [key, value] : x.change().fields()) {
    std::vector<std::string> parts = absl::StrSplit(key, '.');
    if (parts.size() == 3 && parts[0] == "tier") changes[parts[1]][parts[2]] = &value;
  }
  if (changes.empty()) return absl::OkStatus();  // nothing of quota's: no answer due

  bool processed = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) {
    processed =
        !tx.exec_params("SELECT 1 FROM quota.processed_events WHERE event_id = $1", event.id())
             .empty();
    return absl::OkStatus();
  }));
  if (processed) return absl::OkStatus();

  // Every tier is built and validated before any is stored: all of the change or none.
  std::vector<TierDef> updated;
  absl::Status refused;
  for (const auto& [name, fields] : changes) {
    absl::StatusOr<TierDef> tier = tiers_.Get(name);
    if (absl::IsNotFound(tier.status())) {
      refused = absl::InvalidArgumentError("unknown tier " + name);
      break;
    }
    RETURN_IF_ERROR(tier.status());
    for (const auto& [field, value] : fields) {
      if (refused.ok()) refused = SetField(*tier, field, "tier." + name + "." + field, *value);
    }
    if (refused.ok()) refused = ValidateTierDef(*tier);
    if (!refused.ok()) break;
    updated.push_back(*std::move(tier));
  }
  if (refused.ok()) {
    for (const TierDef& tier : updated) {
      RETURN_IF_ERROR(tiers_.Put(tier, /*create=*/false, "governance:" + x.proposal_id()).status());
    }
  }

  events::v1::Event answer = bus::NewEvent("governance.change.applied", source_);
  events::v1::ChangeApplied* a = answer.mutable_change_applied();
  a->set_proposal_id(x.proposal_id());
  a->set_service("quota");
  a->set_ok(refused.ok());
  a->set_reason(std::string(refused.message()));
  RETURN_IF_ERROR(bus.PublishDurable(answer));
  log::Info("governance tier change", {{"proposal_id", x.proposal_id()},
                                       {"ok", refused.ok() ? "true" : "false"},
                                       {"reason", std::string(refused.message())}});
  return pool_.Transact([&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO quota.processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING",
        event.id());
    return absl::OkStatus();
  });
}

}  // namespace datamesh::quota
