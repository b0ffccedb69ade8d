#include "services/governance/proposals/applied_consumer.h"

#include "services/governance/params/parameter_table.h"
#include "services/governance/proposals/change_validation.h"
#include "services/governance/proposals/proposal_events.h"
#include "services/governance/proposals/proposal_record.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::governance::proposals {

absl::Status ChangeAppliedConsumer::Start(bus::Bus& bus, const std::string& durable) {
  RETURN_IF_ERROR(bus.EnsureStream(bus::DurableEventsStream()));
  bus::ConsumerConfig config;
  config.stream = bus::kDurableEventsStreamName;
  config.durable = durable;
  config.filter_subject = bus::SubjectFor("governance.change.applied");
  ASSIGN_OR_RETURN(consumer_, bus.ConsumeDurable(config, [this](const events::v1::Event& e) {
    return Handle(e);
  }));
  return absl::OkStatus();
}

absl::Status ChangeAppliedConsumer::Handle(const events::v1::Event& event) {
  if (!event.has_change_applied()) return absl::OkStatus();
  const events::v1::ChangeApplied& a = event.change_applied();
  if (!IsValidId(a.proposal_id()) || !IsValidId(a.service()) || a.service() == "governance") {
    log::Warn("change.applied ignored: malformed", {{"event_id", event.id()}});
    return absl::OkStatus();
  }
  return pool_.Transact([&](pqxx::work& tx) {
    pqxx::result fresh = tx.exec_params(
        "INSERT INTO governance.processed_events (event_id) VALUES ($1) "
        "ON CONFLICT DO NOTHING RETURNING event_id",
        event.id());
    if (fresh.empty()) return absl::OkStatus();
    if (tx.exec_params("SELECT 1 FROM governance.proposals WHERE id = $1", a.proposal_id())
            .empty()) {
      log::Warn("change.applied ignored: unknown proposal",
                {{"event_id", event.id()}, {"proposal_id", a.proposal_id()}});
      return absl::OkStatus();
    }
    const absl::Time at = bus::EventTime(event);
    SetExecution(tx, a.proposal_id(), a.service(), a.ok() ? "applied" : "failed",
                 a.ok() ? "" : a.reason().substr(0, 1000), at);
    // The parameters list what is in force: a refused change is undone there.
    if (!a.ok()) {
      for (const std::string& key : params::RevertParameters(tx, a.proposal_id(), a.service())) {
        log::Info("parameter change refused by its owner: previous value restored",
                  {{"proposal_id", a.proposal_id()}, {"key", key}, {"owner", a.service()}});
      }
      return absl::OkStatus();
    }
    pqxx::result change = tx.exec_params(
        "SELECT type, change::text FROM governance.proposals WHERE id = $1", a.proposal_id());
    if (change.empty() || change[0][0].as<std::string>() != kParameterChange) {
      return absl::OkStatus();
    }
    absl::StatusOr<google::protobuf::Struct> parsed = ChangeFromJson(change[0][1].as<std::string>());
    if (!parsed.ok()) return absl::OkStatus();
    absl::StatusOr<ValidatedChange> validated = ValidateChange(kParameterChange, *parsed);
    if (!validated.ok()) return absl::OkStatus();
    params::RestoreParameters(tx, a.proposal_id(), a.service(), validated->parameters);
    return absl::OkStatus();
  });
}

}  // namespace datamesh::governance::proposals
