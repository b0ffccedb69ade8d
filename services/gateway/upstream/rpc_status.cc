#include "services/gateway/upstream/rpc_status.h"

#include <algorithm>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "services/gateway/http/api_error.h"
#include "shared/log/log.h"
#include "shared/status/grpc_status.h"

namespace datamesh::gateway {
namespace {

constexpr char kRetryAfterUrl[] = "type.datamesh/gateway.retry_after";
// Never tell a client to wait longer than a day, whatever a service says.
constexpr uint32_t kMaxRetryAfter = 86'400;

std::string_view TrailerValue(const grpc::ClientContext& context, std::string_view key) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(grpc::string_ref(key.data(), key.size()));
  if (it == trailers.end()) return {};
  return std::string_view(it->second.data(), it->second.size());
}

}  // namespace

absl::Status RateLimited(std::string_view message, uint32_t seconds) {
  absl::Status status =
      http::WithHttpError(absl::ResourceExhaustedError(std::string(message)), 429, "RATE_LIMITED");
  seconds = std::clamp<uint32_t>(seconds, 1, kMaxRetryAfter);
  status.SetPayload(kRetryAfterUrl, absl::Cord(std::to_string(seconds)));
  return status;
}

std::optional<uint32_t> RetryAfterOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterUrl);
  uint32_t seconds = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &seconds)) return std::nullopt;
  return seconds;
}

absl::Status StatusFromRpc(const grpc::Status& rpc, std::string_view dm_error_code,
                           std::string_view retry_after) {
  absl::Status status = SanitizeForClient(FromGrpcStatus(rpc));
  if (status.ok()) return status;
  if (dm_error_code == "QUOTA_EXCEEDED") {
    return http::WithHttpError(std::move(status), 403, "QUOTA_EXCEEDED");
  }
  // Too few storage nodes to place a file: the message ("... 5 up with room, 6 needed") is
  // the client's to read, unlike other 5xx answers.
  if (dm_error_code == "STORAGE_UNAVAILABLE") {
    return http::WithHttpError(std::move(status), 503, "STORAGE_UNAVAILABLE");
  }
  if (dm_error_code == "RATE_LIMITED" ||
      (status.code() == absl::StatusCode::kResourceExhausted && !retry_after.empty())) {
    uint32_t seconds = 1;
    if (!absl::SimpleAtoi(absl::string_view(retry_after.data(), retry_after.size()), &seconds)) {
      seconds = 1;
    }
    return RateLimited(std::string(status.message()), seconds);
  }
  return status;
}

absl::Status StatusFromRpc(const grpc::Status& status, const grpc::ClientContext& context) {
  if (status.ok()) return absl::OkStatus();
  return StatusFromRpc(status, TrailerValue(context, "dm-error-code"),
                       TrailerValue(context, "retry-after"));
}

void WriteApiError(http::ResponseWriter& writer, const absl::Status& status) {
  if (std::optional<uint32_t> seconds = RetryAfterOf(status)) {
    writer.SetHeader("Retry-After", std::to_string(*seconds));
  }
  (void)writer.WriteError(status);
}

bool AdmitWithoutQuota(const grpc::Status& rpc, std::string_view consequence) {
  if (rpc.error_code() != grpc::StatusCode::UNAVAILABLE &&
      rpc.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
    return false;
  }
  log::Warn("quota unavailable; " + std::string(consequence), {{"error", rpc.error_message()}});
  return true;
}

}  // namespace datamesh::gateway
