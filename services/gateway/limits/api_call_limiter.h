// ApiCallLimiter: the per-request rate limit at the edge (QuotaService.CheckApiCall), counted
// locally in batches so that a request does not cost a round trip to quota.
//
// Each answer from quota says how many calls the user has left in the hour (`remaining`). The
// limiter then admits up to min(remaining, kCreditCalls) further calls of that user on its
// own, for at most kCreditAge, and reports them (made_calls) with the next question or, every
// kReportInterval, on its own (report_only). So:
//   - one gateway never lets a user pass the limit: it admits locally only what quota said was
//     left, less what it has not reported yet;
//   - several gateways can together pass it by at most kCreditCalls per other gateway serving
//     the same user within kCreditAge (each spends its own credit);
//   - quota (and billing) count every admitted call, at most kReportInterval late (Stop reports
//     what is left);
//   - a change of the user's limit is seen within kCreditAge.
// A refusal is always quota's answer: the limiter never refuses on its own.
//
// Fails open: when quota cannot answer (UNAVAILABLE, UNIMPLEMENTED, a deadline, ...) the call
// proceeds, with a warning log line and datamesh_gateway_rate_limit_fail_open_total counting
// it; the unreported calls are kept for the next report. A storage system must not go down
// because its rate limiter is down; the cost is that the limit is not enforced for as long as
// quota is away.
//
// Thread-safe. `clients` must outlive the limiter.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/gateway/identity/caller.h"
#include "services/gateway/upstream/upstream_clients.h"
#include "shared/server/periodic_task.h"

namespace datamesh::gateway {

class ApiCallLimiter {
 public:
  static constexpr uint64_t kCreditCalls = 32;
  static constexpr absl::Duration kCreditAge = absl::Seconds(1);
  static constexpr absl::Duration kReportInterval = absl::Milliseconds(500);

  ApiCallLimiter(UpstreamClients& clients, prometheus::Registry& registry,
                 absl::Duration rpc_timeout);
  ~ApiCallLimiter() { Stop(); }
  ApiCallLimiter(const ApiCallLimiter&) = delete;
  ApiCallLimiter& operator=(const ApiCallLimiter&) = delete;

  // OK when the call may proceed; 429 RATE_LIMITED with Retry-After when quota denies it.
  absl::Status Check(const Caller& caller, std::string_view request_id);

  // Stops the background reports and reports what is left. Idempotent; Check must not be called
  // afterwards.
  void Stop();

 private:
  struct UserCalls {
    uint64_t credit = 0;      // calls still admitted locally
    absl::Time credit_until;  // credit lapses then
    uint64_t unreported = 0;  // admitted, not yet reported
    uint64_t reporting = 0;   // in a report under way
    std::string tier;
  };

  // One CheckApiCall: `made` calls already admitted, plus one asked about unless `report_only`.
  grpc::Status Ask(const std::string& user_id, const std::string& tier, uint64_t made,
                   bool report_only, std::string_view request_id,
                   quota::v1::CheckApiCallResponse& resp);
  // Reports every user's unreported calls; forgets users idle past their credit.
  void ReportAll();

  UpstreamClients& clients_;
  const absl::Duration rpc_timeout_;
  prometheus::Counter& denied_;
  prometheus::Counter& fail_open_;
  std::mutex mu_;
  std::unordered_map<std::string, UserCalls> users_;
  std::unique_ptr<server::PeriodicTask> reporter_;
};

}  // namespace datamesh::gateway
