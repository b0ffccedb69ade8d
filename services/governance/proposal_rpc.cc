// GovernanceServiceImpl: the proposal, vote and parameter RPCs over proposals/ and params/.
#include <optional>

#include "services/governance/governance_service.h"
#include "services/governance/params/parameters.h"
#include "services/governance/proposal_converter.h"
#include "services/governance/proposals/change_validation.h"
#include "services/governance/proposals/impact.h"
#include "services/governance/proposals/proposal_book.h"
#include "services/governance/proposals/proposal_events.h"
#include "services/governance/proposals/stored_usage.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"
#include "shared/pg/pool.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::governance {
namespace {

using proposals::ProposalBook;
using proposals::ProposalRecord;

grpc::Status Answer(const absl::Status& status, const char* rpc) {
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown ||
      status.code() == absl::StatusCode::kDataLoss) {
    log::Warn("governance call failed", {{"rpc", rpc}, {"error", std::string(status.message())}});
  }
  return ToGrpcStatus(SanitizeForClient(status));
}

}  // namespace

absl::StatusOr<governance::v1::Proposal> GovernanceServiceImpl::ProposalToApi(
    const ProposalRecord& p) {
  ASSIGN_OR_RETURN(governance::v1::Proposal out, ToProto(p));
  if (p.type != proposals::kParameterChange) return out;
  absl::StatusOr<proposals::ValidatedChange> change =
      proposals::ValidateChange(p.type, out.change());
  if (!change.ok()) return out;  // stored before a registry change: no impact to show
  int64_t k = 0, m = 0;
  RETURN_IF_ERROR(pg_.Transact([&](pqxx::work& tx) -> absl::Status {
    ASSIGN_OR_RETURN(k, params::IntParam(tx, "erasure.dataShards"));
    ASSIGN_OR_RETURN(m, params::IntParam(tx, "erasure.parityShards"));
    return absl::OkStatus();
  }));
  std::optional<proposals::StoredUsage> stored;
  if (deps_.stored_usage && proposals::ChangesErasure(*change)) {
    absl::StatusOr<proposals::StoredUsage> usage = deps_.stored_usage();
    if (usage.ok()) {
      stored = *std::move(usage);
    } else {
      log::Warn("file-ingest usage by shape not available", {{"error", usage.status().ToString()}});
    }
  }
  *out.mutable_impact() =
      proposals::ComputeImpact(p.type, *change, k, m, stored ? &*stored : nullptr);
  return out;
}

void GovernanceServiceImpl::PublishAfterCommit(const events::v1::Event& event) {
  if (bus_ == nullptr) return;
  if (absl::Status s = bus_->PublishEvent(event); !s.ok()) {
    log::Warn("event not published", {{"type", event.type()}, {"error", s.ToString()}});
  }
}

grpc::Status GovernanceServiceImpl::CreateProposal(grpc::ServerContext*,
                                                   const governance::v1::CreateProposalRequest* req,
                                                   governance::v1::CreateProposalResponse* resp) {
  proposals::CreateInput in{req->proposer_id(), req->title(),  req->description(),
                            req->type(),        req->change(), std::nullopt};
  if (req->has_voting_period_seconds()) in.voting_period_seconds = req->voting_period_seconds();
  absl::StatusOr<ProposalRecord> p = ProposalBook(pg_, deps_.now).Create(in);
  if (!p.ok()) return Answer(p.status(), "CreateProposal");
  PublishAfterCommit(proposals::ProposalCreatedEvent(deps_.source, *p));
  absl::StatusOr<governance::v1::Proposal> api = ProposalToApi(*p);
  if (!api.ok()) return Answer(api.status(), "CreateProposal");
  *resp->mutable_proposal() = *std::move(api);
  return grpc::Status::OK;
}

grpc::Status GovernanceServiceImpl::GetProposal(grpc::ServerContext*,
                                                const governance::v1::GetProposalRequest* req,
                                                governance::v1::GetProposalResponse* resp) {
  absl::StatusOr<ProposalRecord> p = ProposalBook(pg_, deps_.now).Get(req->proposal_id());
  if (!p.ok()) return Answer(p.status(), "GetProposal");
  absl::StatusOr<governance::v1::Proposal> api = ProposalToApi(*p);
  if (!api.ok()) return Answer(api.status(), "GetProposal");
  *resp->mutable_proposal() = *std::move(api);
  return grpc::Status::OK;
}

grpc::Status GovernanceServiceImpl::ListProposals(grpc::ServerContext*,
                                                  const governance::v1::ListProposalsRequest* req,
                                                  governance::v1::ListProposalsResponse* resp) {
  absl::StatusOr<proposals::ProposalPage> page =
      ProposalBook(pg_, deps_.now)
          .List(req->state(), static_cast<int>(std::min<uint32_t>(req->page().limit(), 1000)),
                req->page().cursor());
  if (!page.ok()) return Answer(page.status(), "ListProposals");
  for (const ProposalRecord& p : page->proposals) {
    absl::StatusOr<governance::v1::Proposal> api = ProposalToApi(p);
    if (!api.ok()) return Answer(api.status(), "ListProposals");
    *resp->add_proposals() = *std::move(api);
  }
  if (page->next_cursor) resp->set_next_cursor(*page->next_cursor);
  return grpc::Status::OK;
}

grpc::Status GovernanceServiceImpl::CastVote(grpc::ServerContext*,
                                             const governance::v1::CastVoteRequest* req,
                                             governance::v1::CastVoteResponse* resp) {
  absl::StatusOr<proposals::VoteOutcome> vote =
      ProposalBook(pg_, deps_.now).Vote(req->proposal_id(), req->voter_id(), req->choice());
  if (!vote.ok()) return Answer(vote.status(), "CastVote");
  PublishAfterCommit(proposals::VoteCastEvent(deps_.source, vote->proposal, req->voter_id(),
                                              vote->choice, vote->weight));
  absl::StatusOr<governance::v1::Proposal> api = ProposalToApi(vote->proposal);
  if (!api.ok()) return Answer(api.status(), "CastVote");
  *resp->mutable_proposal() = *std::move(api);
  return grpc::Status::OK;
}

grpc::Status GovernanceServiceImpl::ListParameters(grpc::ServerContext*,
                                                   const governance::v1::ListParametersRequest* req,
                                                   governance::v1::ListParametersResponse* resp) {
  std::vector<params::ParameterRow> rows;
  absl::Status s = pg_.Transact([&](pqxx::work& tx) {
    rows = params::ListParameterRows(tx, req->prefix());
    return absl::OkStatus();
  });
  if (!s.ok()) return Answer(s, "ListParameters");
  for (const params::ParameterRow& row : rows) {
    absl::StatusOr<params::ParamSpec> spec = params::SpecFor(row.key);
    if (!spec.ok()) continue;  // a key a later release retired
    absl::StatusOr<governance::v1::Parameter> p = ToProto(*spec, row);
    if (!p.ok()) return Answer(p.status(), "ListParameters");
    *resp->add_parameters() = *std::move(p);
  }
  return grpc::Status::OK;
}

}  // namespace datamesh::governance
