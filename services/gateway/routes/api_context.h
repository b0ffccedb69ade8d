// ApiContext: what the /api/v1 route handlers share (upstream clients, authentication, the edge
// rate limit, limits and timeouts), and Authed(), which runs a handler only for an
// authenticated, rate-limit-admitted caller (and, for admin routes, an admin).
//
// Thread safety: handlers run concurrently; everything reachable from ApiContext is thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "services/gateway/http/request.h"
#include "services/gateway/identity/authenticator.h"
#include "services/gateway/identity/caller.h"
#include "services/gateway/identity/trusted_proxies.h"
#include "services/gateway/limits/api_call_limiter.h"
#include "services/gateway/limits/transfer_slots.h"
#include "services/gateway/routes/json_body.h"
#include "services/gateway/routes/static_files.h"
#include "services/gateway/upstream/service_directory.h"
#include "services/gateway/upstream/upstream_clients.h"

namespace datamesh::gateway {

struct ApiContext {
  UpstreamClients* clients = nullptr;
  Authenticator* authenticator = nullptr;
  ApiCallLimiter* limiter = nullptr;
  // Uploads and downloads in flight per user (unbounded unless the service sets a bound).
  std::shared_ptr<TransferSlots> transfers = std::make_shared<TransferSlots>(0, 1);
  // Peers whose X-Forwarded-For names the client (none unless configured).
  std::shared_ptr<const TrustedProxies> proxies = std::make_shared<TrustedProxies>();
  JsonLimits json;
  uint64_t max_upload_bytes = 64ull << 30;
  // Deadline of unary calls; streams (upload, download) have none (the HTTP side times out a
  // stalled client, which cancels the stream).
  absl::Duration rpc_timeout = absl::Seconds(30);
  // For GET /admin/system: the instances heard from (null without a bus), how recent a
  // heartbeat must be to count, and this gateway's own identity.
  ServiceDirectory* services = nullptr;
  absl::Duration heartbeat_window = absl::Seconds(15);
  std::string version;
  std::string instance_id;
  absl::Time started_at = absl::UnixEpoch();
  // The folder served at "/" (null: no static files, "/" answers 404).
  const StaticFiles* static_files = nullptr;
};

using AuthedHandler = std::function<void(const Caller&, const http::Request&, http::BodyReader&,
                                         http::ResponseWriter&)>;

enum class Access { kUser, kAdmin };

// 401 without a valid bearer secret, 403 PERMISSION_DENIED for a non-admin on kAdmin, 429 when
// rate limited; otherwise runs `handler`.
http::Handler Authed(const ApiContext& ctx, AuthedHandler handler, Access access = Access::kUser);

// The client's IP address for audit records and login limits: the peer's (without the port),
// or what X-Forwarded-For says when the peer is a trusted proxy (trusted_proxies.h).
std::string SourceIp(const ApiContext& ctx, const http::Request& request);

}  // namespace datamesh::gateway
