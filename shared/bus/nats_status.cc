// natsStatus / jsErrCode -> absl::Status.
#include "absl/strings/str_cat.h"
#include "shared/bus/bus_core.h"

namespace datamesh::bus::internal {
namespace {

absl::StatusCode CodeForJetStream(jsErrCode js_error) {
  switch (js_error) {
    case JSStreamNotFoundErr:
    case JSConsumerNotFoundErr: return absl::StatusCode::kNotFound;
    case JSStreamNameExistErr:
    case JSConsumerNameExistErr: return absl::StatusCode::kAlreadyExists;
    case JSAccountResourcesExceededErr: return absl::StatusCode::kResourceExhausted;
    case JSClusterNoPeersErr:
    case JSClusterIncompleteErr: return absl::StatusCode::kUnavailable;
    case JSBadRequestErr: return absl::StatusCode::kInvalidArgument;
    default:
      // The server refused the request as configured (overlapping subjects, immutable field,
      // JetStream disabled, ...): retrying the same call will not help.
      return absl::StatusCode::kFailedPrecondition;
  }
}

absl::StatusCode CodeFor(natsStatus status) {
  switch (status) {
    case NATS_OK: return absl::StatusCode::kOk;
    case NATS_TIMEOUT: return absl::StatusCode::kDeadlineExceeded;
    case NATS_NO_SERVER:
    case NATS_IO_ERROR:
    case NATS_STALE_CONNECTION:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_RESPONDERS:
    case NATS_INSUFFICIENT_BUFFER:
    case NATS_SSL_ERROR:
    case NATS_NOT_YET_CONNECTED:
    case NATS_SLOW_CONSUMER: return absl::StatusCode::kUnavailable;
    case NATS_CONNECTION_CLOSED:
    case NATS_DRAINING:
    case NATS_INVALID_SUBSCRIPTION:
    case NATS_ILLEGAL_STATE:
    case NATS_NO_SERVER_SUPPORT:
    case NATS_SECURE_CONNECTION_WANTED:
    case NATS_SECURE_CONNECTION_REQUIRED: return absl::StatusCode::kFailedPrecondition;
    case NATS_ADDRESS_MISSING:
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_ARG:
    case NATS_INVALID_TIMEOUT:
    case NATS_INVALID_QUEUE_NAME:
    case NATS_MAX_PAYLOAD:
    case NATS_LINE_TOO_LONG: return absl::StatusCode::kInvalidArgument;
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED: return absl::StatusCode::kPermissionDenied;
    case NATS_NOT_FOUND: return absl::StatusCode::kNotFound;
    case NATS_NO_MEMORY: return absl::StatusCode::kResourceExhausted;
    default: return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status FromNats(natsStatus status, std::string_view what, jsErrCode js_error) {
  if (status == NATS_OK) return absl::OkStatus();
  // A JetStream API error arrives as a generic NATS_ERR with the server's code beside it.
  absl::StatusCode code = js_error != 0 ? CodeForJetStream(js_error) : CodeFor(status);
  std::string message =
      absl::StrCat(absl::string_view(what.data(), what.size()), ": ", natsStatus_GetText(status));
  if (js_error != 0)
    absl::StrAppend(&message, " (JetStream error ", static_cast<int>(js_error), ")");
  // The thread's last error text may be left over from an earlier call; use it only when it
  // belongs to this status.
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (detail != nullptr && *detail != '\0' && last == status) {
    absl::StrAppend(&message, ": ", detail);
  }
  return absl::Status(code, message);
}

}  // namespace datamesh::bus::internal
