// The one place where answers of the services behind the gateway become client-facing errors.
//
// A gRPC status maps by canonical code (shared/status/http_status.h via http/api_error.h),
// refined by the `dm-error-code` trailing metadata the services set where a canonical code is
// ambiguous: RESOURCE_EXHAUSTED + QUOTA_EXCEEDED is 403 QUOTA_EXCEEDED, + RATE_LIMITED is 429
// RATE_LIMITED with the `retry-after` trailer as the Retry-After header. WriteApiError is how
// every gateway handler answers an error.
//
// Thread safety: all functions are thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "services/gateway/http/request.h"

namespace datamesh::gateway {

// `status` mapped for clients, given the call's `dm-error-code` and `retry-after` trailers
// (empty when absent). OK stays OK.
absl::Status StatusFromRpc(const grpc::Status& status, std::string_view dm_error_code,
                           std::string_view retry_after);

// As above, reading the trailers from a finished call's `context`.
absl::Status StatusFromRpc(const grpc::Status& status, const grpc::ClientContext& context);

// 429 RATE_LIMITED carrying a Retry-After of `seconds` (at least 1).
absl::Status RateLimited(std::string_view message, uint32_t seconds);

// True when quota could not answer (down, or not deployed): the edge then admits the request
// and logs `consequence`, since file-ingest still enforces stored bytes at commit and an
// outage of quota must not stop every upload and download.
bool AdmitWithoutQuota(const grpc::Status& rpc, std::string_view consequence);

// The Retry-After seconds a status carries, if any.
std::optional<uint32_t> RetryAfterOf(const absl::Status& status);

// Sends API.md's error shape for `status`, with Retry-After when the status carries one.
void WriteApiError(http::ResponseWriter& writer, const absl::Status& status);

}  // namespace datamesh::gateway
