// ApiCallLimiter: the per-request rate limit at the edge (QuotaService.CheckApiCall).
//
// Fails open: when quota cannot answer (UNAVAILABLE, UNIMPLEMENTED, a deadline, ...) the call
// proceeds, with a warning log line and datamesh_gateway_rate_limit_fail_open_total counting
// it. A storage system must not go down because its rate limiter is down; the cost is that the
// limit is not enforced for as long as quota is away.
//
// Thread-safe. `clients` must outlive the limiter.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"
#include "services/gateway/identity/caller.h"
#include "services/gateway/upstream/upstream_clients.h"

namespace datamesh::gateway {

class ApiCallLimiter {
 public:
  ApiCallLimiter(UpstreamClients& clients, prometheus::Registry& registry,
                 absl::Duration rpc_timeout);

  // OK when the call may proceed; 429 RATE_LIMITED with Retry-After when quota denies it.
  absl::Status Check(const Caller& caller, std::string_view request_id);

 private:
  UpstreamClients& clients_;
  const absl::Duration rpc_timeout_;
  prometheus::Counter& denied_;
  prometheus::Counter& fail_open_;
};

}  // namespace datamesh::gateway
