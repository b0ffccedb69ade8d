#include "services/dht/admission_consumer.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::dht {
namespace {

const char* OutcomeName(AdmissionStore::Outcome outcome) {
  switch (outcome) {
    case AdmissionStore::Outcome::kApplied: return "applied";
    case AdmissionStore::Outcome::kStale: return "stale";
    case AdmissionStore::Outcome::kDuplicate: return "duplicate";
  }
  return "applied";
}

// The node ids of an operator event; INVALID_ARGUMENT names the first malformed one.
absl::StatusOr<std::vector<NodeId>> ParseNodes(
    const google::protobuf::RepeatedPtrField<std::string>& hex) {
  std::vector<NodeId> nodes;
  for (const std::string& h : hex) {
    auto id = ParseNodeId(h);
    if (!id.ok()) return absl::InvalidArgumentError(absl::StrCat("node id \"", h, "\""));
    nodes.push_back(*id);
  }
  return nodes;
}

}  // namespace

AdmissionConsumer::AdmissionConsumer(AdmissionStore& store, AdmissionView& view, Publisher publish,
                                     std::string source, prometheus::Registry& metrics)
    : store_(store),
      view_(view),
      publish_(std::move(publish)),
      source_(std::move(source)),
      events_(prometheus::BuildCounter()
                  .Name("datamesh_dht_admission_events_total")
                  .Help("governance events about storage nodes, by type and outcome "
                        "(applied, stale, duplicate, malformed)")
                  .Register(metrics)) {}

absl::Status AdmissionConsumer::Start(bus::Bus& bus, const std::string& durable) {
  RETURN_IF_ERROR(bus.EnsureStream(bus::DurableEventsStream()));
  bus::ConsumerConfig config;
  config.stream = bus::kDurableEventsStreamName;
  config.durable = durable;
  config.filter_subject = bus::SubjectFor("governance.>");
  ASSIGN_OR_RETURN(consumer_, bus.ConsumeDurable(config, [this](const events::v1::Event& e) {
    return Handle(e);
  }));
  return absl::OkStatus();
}

absl::Status AdmissionConsumer::Handle(const events::v1::Event& event) {
  switch (event.payload_case()) {
    case events::v1::Event::kOperatorAdmitted:
    case events::v1::Event::kOperatorRemoved: return HandleOperator(event);
    case events::v1::Event::kNodeVetted:
    case events::v1::Event::kNodeDisqualified: return HandleNode(event);
    case events::v1::Event::kProposalExecuted: return HandleProposal(event);
    default: return absl::OkStatus();
  }
}

void AdmissionConsumer::Count(const std::string& event, const std::string& outcome) {
  events_.Add({{"event", event}, {"outcome", outcome}}).Increment();
}

absl::Status AdmissionConsumer::HandleOperator(const events::v1::Event& event) {
  const bool admitted = event.has_operator_admitted();
  const std::string& operator_id =
      admitted ? event.operator_admitted().operator_id() : event.operator_removed().operator_id();
  auto nodes = ParseNodes(admitted ? event.operator_admitted().node_ids()
                                   : event.operator_removed().node_ids());
  if (operator_id.empty() || !nodes.ok()) {
    Count(event.type(), "malformed");
    log::Warn("ignored a malformed operator event",
              {{"event_id", event.id()},
               {"error", operator_id.empty() ? "no operator id" : nodes.status().ToString()}});
    return absl::OkStatus();
  }
  AdmissionStore::OperatorDecision decision{.event_id = event.id(),
                                            .operator_id = operator_id,
                                            .admitted = admitted,
                                            .nodes = *std::move(nodes),
                                            .decided_at = bus::EventTime(event)};
  ASSIGN_OR_RETURN(AdmissionStore::Outcome outcome, store_.ApplyOperator(decision));
  Count(event.type(), OutcomeName(outcome));
  if (outcome != AdmissionStore::Outcome::kApplied) return absl::OkStatus();
  log::Info(admitted ? "operator admitted: its nodes may receive shards"
                     : "operator removed: its nodes receive no new shards",
            {{"operator_id", operator_id}, {"nodes", static_cast<int64_t>(decision.nodes.size())}});
  return Refresh();
}

absl::Status AdmissionConsumer::HandleNode(const events::v1::Event& event) {
  const bool vetted = event.has_node_vetted();
  auto node =
      ParseNodeId(vetted ? event.node_vetted().node_id() : event.node_disqualified().node_id());
  if (!node.ok()) {
    Count(event.type(), "malformed");
    log::Warn("ignored a node event without a valid node id", {{"event_id", event.id()}});
    return absl::OkStatus();
  }
  absl::StatusOr<AdmissionStore::Outcome> outcome =
      vetted ? store_.MarkVetted(event.id(), *node)
             : store_.MarkDisqualified(event.id(), *node, event.node_disqualified().reason());
  if (!outcome.ok()) return outcome.status();
  Count(event.type(), OutcomeName(*outcome));
  if (*outcome != AdmissionStore::Outcome::kApplied) return absl::OkStatus();
  if (vetted) {
    log::Info("node vetted", {{"node_id", ToHex(*node)}});
  } else {
    log::Warn("node disqualified: it receives no shards again",
              {{"node_id", ToHex(*node)}, {"reason", event.node_disqualified().reason()}});
  }
  return Refresh();
}

// As quota's TierChangeConsumer: the answer is published before the event is recorded as
// processed, so a crash between the two applies the same absolute value and answers again.
absl::Status AdmissionConsumer::HandleProposal(const events::v1::Event& event) {
  const events::v1::ProposalExecuted& x = event.proposal_executed();
  if (x.type() != "parameter_change") return absl::OkStatus();
  auto field = x.change().fields().find(kPlacementShareKey);
  if (field == x.change().fields().end()) return absl::OkStatus();  // nothing of dht's
  ASSIGN_OR_RETURN(bool processed, store_.Processed(event.id()));
  if (processed) return absl::OkStatus();

  const google::protobuf::Value& value = field->second;
  absl::Status refused;
  if (value.kind_case() != google::protobuf::Value::kNumberValue ||
      !(value.number_value() >= 0.0 && value.number_value() <= 1.0)) {
    refused = absl::InvalidArgumentError(
        absl::StrCat(kPlacementShareKey, " must be a number from 0 to 1"));
  } else {
    RETURN_IF_ERROR(store_.SavePlacementShare(value.number_value(), x.proposal_id()));
    RETURN_IF_ERROR(Refresh());
  }
  events::v1::Event answer = bus::NewEvent("governance.change.applied", source_);
  events::v1::ChangeApplied* a = answer.mutable_change_applied();
  a->set_proposal_id(x.proposal_id());
  a->set_service("dht");
  a->set_ok(refused.ok());
  a->set_reason(std::string(refused.message()));
  RETURN_IF_ERROR(publish_(answer));
  Count(event.type(), refused.ok() ? "applied" : "refused");
  log::Info("governance placement share change", {{"proposal_id", x.proposal_id()},
                                                  {"ok", refused.ok() ? "true" : "false"},
                                                  {"reason", std::string(refused.message())}});
  return store_.MarkProcessed(event.id());
}

absl::Status AdmissionConsumer::Refresh() {
  absl::MutexLock lock(&refresh_mu_);
  ASSIGN_OR_RETURN(AdmissionSnapshot snapshot, store_.Load());
  view_.Replace(std::move(snapshot));
  return absl::OkStatus();
}

}  // namespace datamesh::dht
