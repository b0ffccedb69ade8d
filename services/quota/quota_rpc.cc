// The gRPC handlers of QuotaServiceImpl: each validates (through the Do* entry points or here),
// calls the domain, and answers with a client-safe status (quota_service.h).
#include "services/quota/quota_converter.h"
#include "services/quota/quota_service.h"
#include "shared/status/grpc_status.h"
#include "shared/status/status.h"

namespace datamesh::quota {
namespace {

grpc::Status Answer(grpc::ServerContext* ctx, const absl::Status& status) {
  if (status.code() == absl::StatusCode::kResourceExhausted) {
    ctx->AddTrailingMetadata("dm-error-code", kQuotaExceededCode);
  }
  return ToGrpcStatus(SanitizeForClient(status));
}

template <typename Response>
grpc::Status Answer(grpc::ServerContext* ctx, absl::StatusOr<Response> result, Response* out) {
  if (!result.ok()) return Answer(ctx, result.status());
  *out = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

using namespace quota::v1;  // NOLINT(build/namespaces): the handlers name every message type

grpc::Status QuotaServiceImpl::Reserve(grpc::ServerContext* ctx, const ReserveRequest* req,
                                       ReserveResponse* resp) {
  return Answer(ctx, DoReserve(*req), resp);
}

grpc::Status QuotaServiceImpl::Commit(grpc::ServerContext* ctx, const CommitRequest* req,
                                      CommitResponse*) {
  return Answer(ctx, DoCommit(*req));
}

grpc::Status QuotaServiceImpl::Release(grpc::ServerContext* ctx, const ReleaseRequest* req,
                                       ReleaseResponse*) {
  absl::Status s = ValidateUuid("reservation_id", req->reservation_id());
  if (s.ok()) s = store_.Release(req->reservation_id(), options_.clock());
  return Answer(ctx, s);
}

grpc::Status QuotaServiceImpl::CheckApiCall(grpc::ServerContext* ctx,
                                            const CheckApiCallRequest* req,
                                            CheckApiCallResponse* resp) {
  return Answer(ctx, DoCheckApiCall(*req), resp);
}

grpc::Status QuotaServiceImpl::CheckBandwidth(grpc::ServerContext* ctx,
                                              const CheckBandwidthRequest* req,
                                              CheckBandwidthResponse* resp) {
  return Answer(ctx, DoCheckBandwidth(*req), resp);
}

grpc::Status QuotaServiceImpl::RecordBandwidth(grpc::ServerContext* ctx,
                                               const RecordBandwidthRequest* req,
                                               RecordBandwidthResponse*) {
  return Answer(ctx, DoRecordBandwidth(*req));
}

grpc::Status QuotaServiceImpl::GetUsage(grpc::ServerContext* ctx, const GetUsageRequest* req,
                                        GetUsageResponse* resp) {
  return Answer(ctx, DoGetUsage(req->user_id()), resp);
}

absl::StatusOr<GetLimitsResponse> QuotaServiceImpl::DoGetLimits(const GetLimitsRequest& req) {
  RETURN_IF_ERROR(ValidateId("user_id", req.user_id()));
  std::string tier = req.tier();
  if (tier.empty()) {
    ASSIGN_OR_RETURN(std::optional<std::string> remembered, store_.RememberedTier(req.user_id()));
    tier = remembered.value_or("free");
  }
  ASSIGN_OR_RETURN(TierDef def, CallerTier(tier));
  GetLimitsResponse resp;
  resp.set_tier(def.name);
  *resp.mutable_limits() = ToProto(def.limits);
  return resp;
}

grpc::Status QuotaServiceImpl::GetLimits(grpc::ServerContext* ctx, const GetLimitsRequest* req,
                                         GetLimitsResponse* resp) {
  return Answer(ctx, DoGetLimits(*req), resp);
}

grpc::Status QuotaServiceImpl::ListTiers(grpc::ServerContext* ctx, const ListTiersRequest*,
                                         ListTiersResponse* resp) {
  absl::StatusOr<std::vector<TierDef>> tiers = tiers_.List();
  if (!tiers.ok()) return Answer(ctx, tiers.status());
  for (const TierDef& t : *tiers) *resp->add_tiers() = ToProto(t);
  return grpc::Status::OK;
}

absl::StatusOr<UpdateTierResponse> QuotaServiceImpl::DoUpdateTier(const UpdateTierRequest& req) {
  RETURN_IF_ERROR(ValidateId("actor_id", req.actor_id()));
  if (!req.has_tier()) return absl::InvalidArgumentError("tier: required");
  const TierDef def = FromProto(req.tier());
  RETURN_IF_ERROR(ValidateTierDef(def));
  ASSIGN_OR_RETURN(TierDef stored, tiers_.Put(def, req.create(), req.actor_id()));
  UpdateTierResponse resp;
  *resp.mutable_tier() = ToProto(stored);
  return resp;
}

grpc::Status QuotaServiceImpl::UpdateTier(grpc::ServerContext* ctx, const UpdateTierRequest* req,
                                          UpdateTierResponse* resp) {
  return Answer(ctx, DoUpdateTier(*req), resp);
}

grpc::Status QuotaServiceImpl::ListBillingRecords(grpc::ServerContext* ctx,
                                                  const ListBillingRecordsRequest* req,
                                                  ListBillingRecordsResponse* resp) {
  return Answer(ctx, DoListBilling(*req), resp);
}

grpc::Status QuotaServiceImpl::ReconcileUsage(grpc::ServerContext* ctx,
                                              const ReconcileUsageRequest* /*req*/,
                                              ReconcileUsageResponse* resp) {
  if (options_.reconciler == nullptr) {
    return Answer(ctx, absl::FailedPreconditionError(
                           "usage reconciliation needs --file-ingest-addr"));
  }
  absl::StatusOr<ReconcileReport> report = options_.reconciler->Run();
  if (!report.ok()) return Answer(ctx, report.status());
  resp->set_files_checked(report->files_checked);
  resp->set_files_added(report->files_added);
  resp->set_files_removed(report->files_removed);
  resp->set_users_corrected(report->users_corrected);
  resp->set_drift_bytes(report->drift_bytes);
  return grpc::Status::OK;
}

}  // namespace datamesh::quota
