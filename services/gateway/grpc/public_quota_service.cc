#include "services/gateway/grpc/public_quota_service.h"

#include <string>

#include "services/gateway/grpc/caller_binding.h"
#include "services/gateway/grpc/public_call.h"

namespace datamesh::gateway::public_grpc {
namespace {

namespace qv1 = quota::v1;

constexpr char kQuotaService[] = "/datamesh.quota.v1.QuotaService/";

std::string QuotaMethod(std::string_view name) { return kQuotaService + std::string(name); }

}  // namespace

grpc::Status PublicQuotaService::GetUsage(grpc::ServerContext* server,
                                          const qv1::GetUsageRequest* req,
                                          qv1::GetUsageResponse* resp) {
  return ServeUnary(ctx_, *server, QuotaMethod("GetUsage"), [&](const PublicCall& call, auto& c) {
    qv1::GetUsageRequest bound = *req;
    BindToCaller(call.caller, bound);
    return ctx_.clients->quota().GetUsage(&c, bound, resp);
  });
}

grpc::Status PublicQuotaService::GetLimits(grpc::ServerContext* server,
                                           const qv1::GetLimitsRequest* req,
                                           qv1::GetLimitsResponse* resp) {
  return ServeUnary(ctx_, *server, QuotaMethod("GetLimits"), [&](const PublicCall& call, auto& c) {
    qv1::GetLimitsRequest bound = *req;
    BindToCaller(call.caller, bound);
    return ctx_.clients->quota().GetLimits(&c, bound, resp);
  });
}

grpc::Status PublicQuotaService::ListTiers(grpc::ServerContext* server,
                                           const qv1::ListTiersRequest* req,
                                           qv1::ListTiersResponse* resp) {
  return ServeUnary(ctx_, *server, QuotaMethod("ListTiers"), [&](const PublicCall&, auto& c) {
    return ctx_.clients->quota().ListTiers(&c, *req, resp);
  });
}

grpc::Status PublicQuotaService::UpdateTier(grpc::ServerContext* server,
                                            const qv1::UpdateTierRequest* req,
                                            qv1::UpdateTierResponse* resp) {
  return ServeUnary(ctx_, *server, QuotaMethod("UpdateTier"), [&](const PublicCall& call, auto& c) {
    qv1::UpdateTierRequest bound = *req;
    BindToCaller(call.caller, bound);
    return ctx_.clients->quota().UpdateTier(&c, bound, resp);
  });
}

grpc::Status PublicQuotaService::ListBillingRecords(grpc::ServerContext* server,
                                                    const qv1::ListBillingRecordsRequest* req,
                                                    qv1::ListBillingRecordsResponse* resp) {
  return ServeUnary(ctx_, *server, QuotaMethod("ListBillingRecords"),
                    [&](const PublicCall& call, auto& c) {
                      qv1::ListBillingRecordsRequest bound = *req;
                      BindToCaller(call.caller, bound);
                      return ctx_.clients->quota().ListBillingRecords(&c, bound, resp);
                    });
}

grpc::Status PublicQuotaService::ReconcileUsage(grpc::ServerContext* server,
                                                const qv1::ReconcileUsageRequest* req,
                                                qv1::ReconcileUsageResponse* resp) {
  return ServeUnary(ctx_, *server, QuotaMethod("ReconcileUsage"),
                    [&](const PublicCall&, auto& c) {
                      return ctx_.clients->quota().ReconcileUsage(&c, *req, resp);
                    });
}

}  // namespace datamesh::gateway::public_grpc
