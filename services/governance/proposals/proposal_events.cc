#include "services/governance/proposals/proposal_events.h"

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "shared/bus/event.h"

namespace datamesh::governance::proposals {
namespace {

google::protobuf::Timestamp ToProto(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

}  // namespace

events::v1::Event ProposalCreatedEvent(const std::string& source, const ProposalRecord& p) {
  events::v1::Event e = bus::NewEvent("governance.proposal.created", source);
  e.set_subject_user(p.proposer);
  events::v1::ProposalCreated* c = e.mutable_proposal_created();
  c->set_proposal_id(p.id);
  c->set_title(p.title);
  c->set_type(p.type);
  c->set_proposer(p.proposer);
  *c->mutable_opens_at() = ToProto(p.opens_at);
  *c->mutable_closes_at() = ToProto(p.closes_at);
  return e;
}

events::v1::Event VoteCastEvent(const std::string& source, const ProposalRecord& p,
                                const std::string& voter, Choice choice, int64_t weight) {
  events::v1::Event e = bus::NewEvent("governance.vote.cast", source);
  e.set_subject_user(voter);
  events::v1::VoteCast* v = e.mutable_vote_cast();
  v->set_proposal_id(p.id);
  v->set_voter_id(voter);
  v->set_choice(ChoiceName(choice));
  v->set_weight(static_cast<uint64_t>(weight));
  v->set_yes(static_cast<uint64_t>(p.yes));
  v->set_no(static_cast<uint64_t>(p.no));
  v->set_abstain(static_cast<uint64_t>(p.abstain));
  v->set_veto(static_cast<uint64_t>(p.veto));
  return e;
}

events::v1::Event ProposalClosedEvent(const std::string& source, const ProposalRecord& p,
                                      const TallyResult& t) {
  events::v1::Event e = bus::NewEvent("governance.proposal.closed", source);
  events::v1::ProposalClosed* c = e.mutable_proposal_closed();
  c->set_proposal_id(p.id);
  c->set_state(OutcomeName(t.outcome));
  c->set_yes(static_cast<uint64_t>(t.yes));
  c->set_no(static_cast<uint64_t>(t.no));
  c->set_abstain(static_cast<uint64_t>(t.abstain));
  c->set_veto(static_cast<uint64_t>(t.veto));
  return e;
}

events::v1::Event ProposalExecutedEvent(const std::string& source, const ProposalRecord& p,
                                        const google::protobuf::Struct& change,
                                        absl::Time executed_at) {
  events::v1::Event e = bus::NewEvent("governance.proposal.executed", source);
  events::v1::ProposalExecuted* x = e.mutable_proposal_executed();
  x->set_proposal_id(p.id);
  x->set_type(p.type);
  *x->mutable_change() = change;
  *x->mutable_executed_at() = ToProto(executed_at);
  return e;
}

absl::StatusOr<google::protobuf::Struct> ChangeFromJson(const std::string& json) {
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(json, &s).ok()) {
    return absl::DataLossError("stored change is not a JSON object");
  }
  return s;
}

}  // namespace datamesh::governance::proposals
