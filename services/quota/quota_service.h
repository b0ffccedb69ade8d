// The gRPC adapter of the quota service: QuotaService over QuotaStore (PostgreSQL ledger) and
// RateLimiter (Redis windows). It validates every request at the edge (INVALID_ARGUMENT,
// nothing changed), resolves tiers (TierCatalog), converts between proto and domain values and
// publishes dm.v1.quota.exceeded when a Reserve, Commit, CheckBandwidth or CheckApiCall is
// refused by a limit.
//
// Not owned: store, limiter, bus (may be null: nothing is published) and registry (may be null:
// no metrics); all must outlive the service.
//
// Thread-safe: gRPC calls handlers concurrently.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/quota/quota_store.h"
#include "services/quota/rate_limiter.h"
#include "services/quota/tier_catalog.h"
#include "services/quota/usage_reconciler.h"

namespace datamesh::bus {
class Bus;
}

namespace datamesh::quota {

using Clock = std::function<absl::Time()>;

struct QuotaServiceOptions {
  absl::Duration reservation_ttl = absl::Hours(1);  // a held reservation not grown or committed
  absl::Duration committed_ttl = absl::Hours(24);   // a committed one whose file.stored is late
  std::string source = "quota/local";               // events' source
  Clock clock = [] { return absl::Now(); };
  // Null: ReconcileUsage answers FAILED_PRECONDITION (no file-ingest configured).
  UsageReconciler* reconciler = nullptr;
};

class QuotaServiceImpl final : public quota::v1::QuotaService::Service {
 public:
  QuotaServiceImpl(QuotaStore& store, RateLimiter& limiter, TierCatalog& tiers, bus::Bus* bus,
                   prometheus::Registry* registry, QuotaServiceOptions options);

  grpc::Status Reserve(grpc::ServerContext* ctx, const quota::v1::ReserveRequest* req,
                       quota::v1::ReserveResponse* resp) override;
  grpc::Status Commit(grpc::ServerContext* ctx, const quota::v1::CommitRequest* req,
                      quota::v1::CommitResponse* resp) override;
  grpc::Status Release(grpc::ServerContext* ctx, const quota::v1::ReleaseRequest* req,
                       quota::v1::ReleaseResponse* resp) override;
  grpc::Status CheckApiCall(grpc::ServerContext* ctx, const quota::v1::CheckApiCallRequest* req,
                            quota::v1::CheckApiCallResponse* resp) override;
  grpc::Status CheckBandwidth(grpc::ServerContext* ctx, const quota::v1::CheckBandwidthRequest* req,
                              quota::v1::CheckBandwidthResponse* resp) override;
  grpc::Status RecordBandwidth(grpc::ServerContext* ctx,
                               const quota::v1::RecordBandwidthRequest* req,
                               quota::v1::RecordBandwidthResponse* resp) override;
  grpc::Status GetUsage(grpc::ServerContext* ctx, const quota::v1::GetUsageRequest* req,
                        quota::v1::GetUsageResponse* resp) override;
  grpc::Status GetLimits(grpc::ServerContext* ctx, const quota::v1::GetLimitsRequest* req,
                         quota::v1::GetLimitsResponse* resp) override;
  grpc::Status ListTiers(grpc::ServerContext* ctx, const quota::v1::ListTiersRequest* req,
                         quota::v1::ListTiersResponse* resp) override;
  grpc::Status UpdateTier(grpc::ServerContext* ctx, const quota::v1::UpdateTierRequest* req,
                          quota::v1::UpdateTierResponse* resp) override;
  grpc::Status ListBillingRecords(grpc::ServerContext* ctx,
                                  const quota::v1::ListBillingRecordsRequest* req,
                                  quota::v1::ListBillingRecordsResponse* resp) override;
  grpc::Status ReconcileUsage(grpc::ServerContext* ctx, const quota::v1::ReconcileUsageRequest* req,
                              quota::v1::ReconcileUsageResponse* resp) override;

  // Domain entry points the RPCs wrap (also used in-process by tests). Errors as the RPCs.
  absl::StatusOr<quota::v1::ReserveResponse> DoReserve(const quota::v1::ReserveRequest& req);
  absl::Status DoCommit(const quota::v1::CommitRequest& req);
  absl::StatusOr<quota::v1::CheckApiCallResponse> DoCheckApiCall(
      const quota::v1::CheckApiCallRequest& req);
  absl::StatusOr<quota::v1::CheckBandwidthResponse> DoCheckBandwidth(
      const quota::v1::CheckBandwidthRequest& req);
  absl::Status DoRecordBandwidth(const quota::v1::RecordBandwidthRequest& req);
  absl::StatusOr<quota::v1::GetUsageResponse> DoGetUsage(const std::string& user);
  absl::StatusOr<quota::v1::GetLimitsResponse> DoGetLimits(const quota::v1::GetLimitsRequest& req);
  absl::StatusOr<quota::v1::UpdateTierResponse> DoUpdateTier(
      const quota::v1::UpdateTierRequest& req);
  absl::StatusOr<quota::v1::ListBillingRecordsResponse> DoListBilling(
      const quota::v1::ListBillingRecordsRequest& req);

  // The periodic billing step: folds the API-call counters of this and last month into
  // billing, integrates stored bytes of every user up to now and sweeps dead reservations.
  [[nodiscard]] absl::Status BillingTick();

 private:
  // Resolves a tier a caller passed: INVALID_ARGUMENT when malformed or unknown.
  absl::StatusOr<TierDef> CallerTier(const std::string& tier);
  void PublishExceeded(const std::string& user, const std::string& tier,
                       const std::string& resource, uint64_t limit, uint64_t used,
                       uint64_t requested);
  absl::Status FlushApiCalls(const std::string& month, const std::string& only_user);

  QuotaStore& store_;
  RateLimiter& limiter_;
  TierCatalog& tiers_;
  bus::Bus* const bus_;
  const QuotaServiceOptions options_;
  prometheus::Family<prometheus::Counter>* exceeded_ = nullptr;
};

// The QUOTA_EXCEEDED refusal, with `dm-error-code` for the gRPC layer to attach.
inline constexpr char kQuotaExceededCode[] = "QUOTA_EXCEEDED";

}  // namespace datamesh::quota
