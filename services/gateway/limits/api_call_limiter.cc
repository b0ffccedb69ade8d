#include "services/gateway/limits/api_call_limiter.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "services/gateway/upstream/rpc_status.h"
#include "shared/log/log.h"

namespace datamesh::gateway {
namespace {

// Calls kept for a later report while quota cannot take them. Only calls admitted on credit
// wait here (credit is only given by an answer), so this is reached only when reports keep
// failing while answers come back; past it calls go uncounted, as calls admitted while quota is
// away always have.
constexpr uint64_t kMaxUnreported = 1000;

prometheus::Counter& MakeCounter(prometheus::Registry& registry, const std::string& name,
                                 const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

ApiCallLimiter::ApiCallLimiter(UpstreamClients& clients, prometheus::Registry& registry,
                               absl::Duration rpc_timeout)
    : clients_(clients),
      rpc_timeout_(rpc_timeout),
      denied_(MakeCounter(registry, "datamesh_gateway_rate_limited_total",
                          "API calls refused by the per-user rate limit")),
      fail_open_(MakeCounter(registry, "datamesh_gateway_rate_limit_fail_open_total",
                             "API calls let through because quota could not be asked")),
      reporter_(std::make_unique<server::PeriodicTask>(kReportInterval, [this] { ReportAll(); })) {}

grpc::Status ApiCallLimiter::Ask(const std::string& user_id, const std::string& tier, uint64_t made,
                                 bool report_only, std::string_view request_id,
                                 quota::v1::CheckApiCallResponse& resp) {
  grpc::ClientContext context;
  PrepareContext(context, request_id, rpc_timeout_);
  quota::v1::CheckApiCallRequest req;
  req.set_user_id(user_id);
  req.set_tier(tier);
  req.set_made_calls(made);
  req.set_report_only(report_only);
  return clients_.quota().CheckApiCall(&context, req, &resp);
}

absl::Status ApiCallLimiter::Check(const Caller& caller, std::string_view request_id) {
  const absl::Time now = absl::Now();
  uint64_t made = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    UserCalls& u = users_[caller.user_id];
    u.tier = caller.tier;
    if (u.credit > 0 && now < u.credit_until) {
      --u.credit;
      ++u.unreported;
      return absl::OkStatus();
    }
    made = std::exchange(u.unreported, 0);
    u.reporting += made;
  }
  quota::v1::CheckApiCallResponse resp;
  const grpc::Status rpc = Ask(caller.user_id, caller.tier, made, false, request_id, resp);
  std::lock_guard<std::mutex> lock(mu_);
  UserCalls& u = users_[caller.user_id];
  u.reporting -= made;
  if (!rpc.ok()) {
    u.unreported = std::min(u.unreported + made, kMaxUnreported);
    fail_open_.Increment();
    log::Warn("rate limit check failed; letting the call through",
              {{"code", static_cast<int>(rpc.error_code())}, {"error", rpc.error_message()}});
    return absl::OkStatus();
  }
  if (!resp.allowed()) {
    u.credit = 0;
    denied_.Increment();
    return RateLimited("too many API calls; retry later", resp.retry_after_seconds());
  }
  // Calls admitted meanwhile, or in a report quota may not have counted yet, are spent from
  // what quota said was left: counting them twice errs on the side of asking again sooner.
  const uint64_t pending = u.unreported + u.reporting;
  const uint64_t remaining = resp.has_remaining() ? resp.remaining() : pending + kCreditCalls;
  u.credit = remaining > pending ? std::min(remaining - pending, kCreditCalls) : 0;
  u.credit_until = now + kCreditAge;
  return absl::OkStatus();
}

void ApiCallLimiter::ReportAll() {
  const absl::Time now = absl::Now();
  std::vector<std::tuple<std::string, std::string, uint64_t>> reports;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = users_.begin(); it != users_.end();) {
      UserCalls& u = it->second;
      if (u.unreported > 0) {
        reports.emplace_back(it->first, u.tier, u.unreported);
        u.reporting += std::exchange(u.unreported, 0);
        ++it;
      } else if (u.reporting == 0 && now >= u.credit_until) {
        it = users_.erase(it);  // idle: its next call asks quota again anyway
      } else {
        ++it;
      }
    }
  }
  for (const auto& [user_id, tier, made] : reports) {
    quota::v1::CheckApiCallResponse resp;
    const grpc::Status rpc = Ask(user_id, tier, made, /*report_only=*/true, "", resp);
    std::lock_guard<std::mutex> lock(mu_);
    UserCalls& u = users_[user_id];
    u.reporting -= made;
    if (!rpc.ok()) u.unreported = std::min(u.unreported + made, kMaxUnreported);
  }
}

void ApiCallLimiter::Stop() {
  reporter_->Stop();
  ReportAll();
}

}  // namespace datamesh::gateway
