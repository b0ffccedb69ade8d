#include "services/quota/quota_service.h"

#include "absl/time/civil_time.h"
#include "services/quota/quota_converter.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::quota {
namespace {

using quota::v1::CheckApiCallRequest;
using quota::v1::CheckApiCallResponse;
using quota::v1::CheckBandwidthRequest;
using quota::v1::CheckBandwidthResponse;
using quota::v1::CommitRequest;
using quota::v1::ListBillingRecordsRequest;
using quota::v1::ListBillingRecordsResponse;
using quota::v1::RecordBandwidthRequest;
using quota::v1::ReserveRequest;
using quota::v1::ReserveResponse;

constexpr uint32_t kDefaultPage = 100;
constexpr uint32_t kMaxPage = 1000;
constexpr size_t kMaxCursor = 512;

std::string PreviousMonth(absl::Time now) {
  const absl::CivilMonth month(absl::ToCivilSecond(now, absl::UTCTimeZone()));
  return absl::FormatCivilTime(month - 1);
}

}  // namespace

QuotaServiceImpl::QuotaServiceImpl(QuotaStore& store, RateLimiter& limiter, TierCatalog& tiers,
                                   bus::Bus* bus, prometheus::Registry* registry,
                                   QuotaServiceOptions options)
    : store_(store), limiter_(limiter), tiers_(tiers), bus_(bus), options_(std::move(options)) {
  if (registry != nullptr) {
    exceeded_ = &prometheus::BuildCounter()
                     .Name("datamesh_quota_exceeded_total")
                     .Help("Requests refused by a quota limit, by resource")
                     .Register(*registry);
  }
}

absl::StatusOr<TierDef> QuotaServiceImpl::CallerTier(const std::string& tier) {
  RETURN_IF_ERROR(ValidateTierName(tier));
  absl::StatusOr<TierDef> def = tiers_.Get(tier);
  if (absl::IsNotFound(def.status())) return absl::InvalidArgumentError("tier: unknown tier");
  return def;
}

void QuotaServiceImpl::PublishExceeded(const std::string& user, const std::string& tier,
                                       const std::string& resource, uint64_t limit, uint64_t used,
                                       uint64_t requested) {
  if (exceeded_ != nullptr) exceeded_->Add({{"resource", resource}}).Increment();
  if (bus_ == nullptr) return;
  events::v1::Event event = bus::NewEvent("quota.exceeded", options_.source);
  event.set_subject_user(user);
  events::v1::QuotaExceeded* e = event.mutable_quota_exceeded();
  e->set_user_id(user);
  e->set_tier(tier);
  e->set_resource(resource);
  e->set_limit(limit);
  e->set_used(used);
  e->set_requested(requested);
  if (absl::Status s = bus_->PublishEvent(event); !s.ok()) {
    log::Warn("quota.exceeded not published", {{"error", s.ToString()}});
  }
}

absl::StatusOr<ReserveResponse> QuotaServiceImpl::DoReserve(const ReserveRequest& req) {
  RETURN_IF_ERROR(ValidateId("user_id", req.user_id()));
  RETURN_IF_ERROR(ValidateBytes("bytes", req.bytes()));
  std::optional<std::string> grow;
  if (req.has_reservation_id()) {
    RETURN_IF_ERROR(ValidateUuid("reservation_id", req.reservation_id()));
    grow = req.reservation_id();
  }
  ASSIGN_OR_RETURN(TierDef tier, CallerTier(req.tier()));
  const absl::Time now = options_.clock();
  ASSIGN_OR_RETURN(ReserveOutcome out,
                   store_.Reserve(req.user_id(), tier.name, tier.limits.storage_bytes, req.bytes(),
                                  bus::NewUuidV4(), grow, now, now + options_.reservation_ttl));
  if (!out.reserved) {
    PublishExceeded(req.user_id(), tier.name, "storage", out.limit, out.used, req.bytes());
    return absl::ResourceExhaustedError("storage quota exceeded");
  }
  // The store remembered the caller's tier for billing in the reservation's transaction.
  ReserveResponse resp;
  resp.set_reservation_id(out.reservation.id);
  SetTimestamp(out.reservation.expires_at, resp.mutable_expires_at());
  resp.set_reserved_bytes(out.reservation.bytes);
  return resp;
}

absl::Status QuotaServiceImpl::DoCommit(const CommitRequest& req) {
  RETURN_IF_ERROR(ValidateUuid("reservation_id", req.reservation_id()));
  RETURN_IF_ERROR(ValidateId("file_id", req.file_id()));
  RETURN_IF_ERROR(ValidateBytes("actual_bytes", req.actual_bytes()));
  const absl::Time now = options_.clock();
  ASSIGN_OR_RETURN(ReserveOutcome out,
                   store_.Commit(req.reservation_id(), req.actual_bytes(), req.file_id(), now,
                                 now + options_.committed_ttl));
  if (!out.reserved) {
    const Reservation& r = out.reservation;
    PublishExceeded(r.user_id, r.tier, "storage", out.limit, out.used,
                    req.actual_bytes() - r.bytes);
    return absl::ResourceExhaustedError("storage quota exceeded");
  }
  return absl::OkStatus();
}

absl::StatusOr<CheckApiCallResponse> QuotaServiceImpl::DoCheckApiCall(
    const CheckApiCallRequest& req) {
  RETURN_IF_ERROR(ValidateId("user_id", req.user_id()));
  ASSIGN_OR_RETURN(TierDef tier, CallerTier(req.tier()));
  const std::optional<uint64_t> limit = tier.limits.api_calls_hour;
  ASSIGN_OR_RETURN(ApiCallDecision d, limiter_.Check(req.user_id(), limit, options_.clock(),
                                                     req.made_calls(), !req.report_only()));
  CheckApiCallResponse resp;
  resp.set_allowed(d.allowed);
  resp.set_retry_after_seconds(d.retry_after_seconds);
  if (limit.has_value()) {
    resp.set_limit(*limit);
    resp.set_remaining(Remaining(*limit, d.count));
  }
  if (!d.allowed) PublishExceeded(req.user_id(), tier.name, "api_calls", *limit, d.count, 1);
  return resp;
}

absl::StatusOr<CheckBandwidthResponse> QuotaServiceImpl::DoCheckBandwidth(
    const CheckBandwidthRequest& req) {
  RETURN_IF_ERROR(ValidateId("user_id", req.user_id()));
  RETURN_IF_ERROR(ValidateBytes("bytes", req.bytes()));
  ASSIGN_OR_RETURN(TierDef tier, CallerTier(req.tier()));
  ASSIGN_OR_RETURN(uint64_t used, store_.MonthBandwidth(req.user_id(), options_.clock()));
  const std::optional<uint64_t> limit = tier.limits.bandwidth_bytes_month;
  CheckBandwidthResponse resp;
  resp.set_allowed(Admits(limit, used, req.bytes()));
  if (limit.has_value()) resp.set_remaining_bytes(Remaining(*limit, used));
  if (!resp.allowed()) {
    PublishExceeded(req.user_id(), tier.name, "bandwidth", *limit, used, req.bytes());
  }
  return resp;
}

absl::Status QuotaServiceImpl::DoRecordBandwidth(const RecordBandwidthRequest& req) {
  RETURN_IF_ERROR(ValidateId("user_id", req.user_id()));
  RETURN_IF_ERROR(ValidateBytes("bytes", req.bytes()));
  RETURN_IF_ERROR(ValidateKey("record_id", req.record_id()));
  if (req.within_limit() && req.refund()) {
    return absl::InvalidArgumentError("within_limit and refund exclude each other");
  }
  QuotaStore::BandwidthChange change;
  change.bytes = req.bytes();
  change.refund = req.refund();
  std::string tier_name;
  if (req.within_limit()) {
    ASSIGN_OR_RETURN(TierDef tier, CallerTier(req.tier()));
    change.checked = true;
    change.limit = tier.limits.bandwidth_bytes_month;
    tier_name = tier.name;
  }
  absl::Status status =
      store_.RecordBandwidth(req.user_id(), change, req.record_id(), options_.clock());
  if (absl::IsResourceExhausted(status)) {
    const absl::Time now = options_.clock();
    absl::StatusOr<uint64_t> used = store_.MonthBandwidth(req.user_id(), now);
    PublishExceeded(req.user_id(), tier_name, "bandwidth", change.limit.value_or(0),
                    used.ok() ? *used : 0, req.bytes());
  }
  return status;
}

absl::StatusOr<quota::v1::GetUsageResponse> QuotaServiceImpl::DoGetUsage(const std::string& user) {
  RETURN_IF_ERROR(ValidateId("user_id", user));
  const absl::Time now = options_.clock();
  ASSIGN_OR_RETURN(StorageUsage storage, store_.GetStorage(user, now));
  ASSIGN_OR_RETURN(uint64_t bandwidth, store_.MonthBandwidth(user, now));
  ASSIGN_OR_RETURN(uint64_t calls, limiter_.CallsInWindow(user, now));
  quota::v1::GetUsageResponse resp;
  resp.mutable_usage()->set_storage_bytes(storage.stored_bytes + storage.reserved_bytes);
  resp.mutable_usage()->set_bandwidth_bytes_month(bandwidth);
  resp.mutable_usage()->set_api_calls_hour(calls);
  resp.set_reserved_bytes(storage.reserved_bytes);
  return resp;
}

absl::Status QuotaServiceImpl::FlushApiCalls(const std::string& month,
                                             const std::string& only_user) {
  ASSIGN_OR_RETURN(auto calls, limiter_.MonthCalls(month));
  if (!only_user.empty()) {
    auto it = calls.find(only_user);
    std::map<std::string, uint64_t> one;
    if (it != calls.end()) one.insert(*it);
    calls = std::move(one);
  }
  if (calls.empty()) return absl::OkStatus();
  return store_.MergeApiCalls(month, calls);
}

absl::StatusOr<ListBillingRecordsResponse> QuotaServiceImpl::DoListBilling(
    const ListBillingRecordsRequest& req) {
  RETURN_IF_ERROR(ValidateId("user_id", req.user_id(), /*required=*/false));
  RETURN_IF_ERROR(ValidateMonth(req.month(), /*required=*/false));
  if (req.page().cursor().size() > kMaxCursor) return absl::InvalidArgumentError("bad cursor");
  uint32_t limit = req.page().limit() == 0 ? kDefaultPage : std::min(req.page().limit(), kMaxPage);
  const absl::Time now = options_.clock();
  if (!req.user_id().empty()) {
    // One user's bill is brought up to date first; all users' follow the periodic tick.
    RETURN_IF_ERROR(store_.Accrue(req.user_id(), now));
    RETURN_IF_ERROR(FlushApiCalls(MonthOf(now), req.user_id()));
  }
  ASSIGN_OR_RETURN(
      BillingPage page,
      store_.ListBilling(req.user_id(), req.month(), static_cast<int>(limit), req.page().cursor()));
  ASSIGN_OR_RETURN(std::vector<TierDef> tiers, tiers_.List());
  ListBillingRecordsResponse resp;
  const std::string current = MonthOf(now);
  for (const BillingRow& row : page.rows) {
    const TierDef* tier = nullptr;
    for (const TierDef& t : tiers) {
      if (t.name == row.tier) tier = &t;
    }
    *resp.add_records() = ToProto(row, tier, current);
  }
  if (page.next_cursor) resp.set_next_cursor(*page.next_cursor);
  return resp;
}

absl::Status QuotaServiceImpl::BillingTick() {
  const absl::Time now = options_.clock();
  absl::Status first;
  first.Update(FlushApiCalls(PreviousMonth(now), ""));
  first.Update(FlushApiCalls(MonthOf(now), ""));
  absl::StatusOr<std::vector<std::string>> users = store_.UsersWithStorage();
  first.Update(users.status());
  if (users.ok()) {
    for (const std::string& user : *users) first.Update(store_.Accrue(user, now));
  }
  first.Update(store_.SweepReservations(now, now - options_.committed_ttl).status());
  return first;
}

}  // namespace datamesh::quota
