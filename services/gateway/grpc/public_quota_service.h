// datamesh.quota.v1.QuotaService on the gateway's public gRPC endpoint: the caller's own usage,
// limits and billing records, the tier list, and UpdateTier and ReconcileUsage for admins. The accounting RPCs
// (Reserve, Commit, Release, CheckApiCall, CheckBandwidth, RecordBandwidth) are internal and not
// served (UNIMPLEMENTED).
//
// Thread-safe: gRPC calls handlers concurrently; `ctx` must outlive the service.
#pragma once

#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway::public_grpc {

class PublicQuotaService final : public quota::v1::QuotaService::Service {
 public:
  explicit PublicQuotaService(const ApiContext& ctx) : ctx_(ctx) {}

  grpc::Status GetUsage(grpc::ServerContext* server, const quota::v1::GetUsageRequest* req,
                        quota::v1::GetUsageResponse* resp) override;
  grpc::Status GetLimits(grpc::ServerContext* server, const quota::v1::GetLimitsRequest* req,
                         quota::v1::GetLimitsResponse* resp) override;
  grpc::Status ListTiers(grpc::ServerContext* server, const quota::v1::ListTiersRequest* req,
                         quota::v1::ListTiersResponse* resp) override;
  grpc::Status UpdateTier(grpc::ServerContext* server, const quota::v1::UpdateTierRequest* req,
                          quota::v1::UpdateTierResponse* resp) override;
  grpc::Status ListBillingRecords(grpc::ServerContext* server,
                                  const quota::v1::ListBillingRecordsRequest* req,
                                  quota::v1::ListBillingRecordsResponse* resp) override;
  grpc::Status ReconcileUsage(grpc::ServerContext* server,
                              const quota::v1::ReconcileUsageRequest* req,
                              quota::v1::ReconcileUsageResponse* resp) override;

 private:
  const ApiContext& ctx_;
};

}  // namespace datamesh::gateway::public_grpc
