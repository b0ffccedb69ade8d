#include "services/gateway/file_upload.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "services/gateway/rpc_status.h"
#include "services/gateway/tag_query.h"
#include "services/gateway/unary_call.h"
#include "shared/log/log.h"

namespace datamesh::gateway {
namespace {

namespace fv1 = file::v1;
constexpr size_t kChunkBytes = 1 << 20;

// The upload header from the request's query and headers. INVALID_ARGUMENT for bad tags.
absl::StatusOr<fv1::UploadHeader> MakeHeader(const Caller& caller, const http::Request& r) {
  fv1::UploadHeader h;
  h.set_owner_id(caller.user_id);
  h.set_owner_tier(caller.tier);
  h.set_owner_public_key(caller.public_key);
  h.set_owner_key_version(caller.key_version);
  std::optional<std::string_view> name = r.query_param("name");
  if (!name) name = r.header("X-File-Name");
  h.set_name(std::string(name.value_or("")));
  h.set_content_type(std::string(r.header("Content-Type").value_or("")));
  if (std::optional<std::string_view> tags = r.query_param("tags")) {
    absl::StatusOr<std::map<std::string, std::string>> parsed = ParseTagQuery(*tags);
    if (!parsed.ok()) return parsed.status();
    h.mutable_tags()->insert(parsed->begin(), parsed->end());
  }
  if (r.content_length()) h.set_declared_size(*r.content_length());
  return h;
}

// Reserves the declared size. An empty id (no declared size, or quota unreachable: file-ingest
// then reserves as bytes arrive) is fine; QUOTA_EXCEEDED and the like are the answer.
absl::StatusOr<std::string> Reserve(const ApiContext& ctx, const Caller& caller,
                                    const http::Request& r, uint64_t bytes) {
  if (bytes == 0) return std::string();
  grpc::ClientContext context;
  PrepareContext(context, r.request_id(), ctx.rpc_timeout);
  quota::v1::ReserveRequest req;
  req.set_user_id(caller.user_id);
  req.set_tier(caller.tier);
  req.set_bytes(bytes);
  quota::v1::ReserveResponse resp;
  grpc::Status rpc = ctx.clients->quota().Reserve(&context, req, &resp);
  if (rpc.ok()) return resp.reservation_id();
  if (rpc.error_code() == grpc::StatusCode::UNAVAILABLE ||
      rpc.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    log::Warn("quota reservation unavailable; file-ingest reserves itself",
              {{"error", rpc.error_message()}});
    return std::string();
  }
  return StatusFromRpc(rpc, context);
}

void Release(const ApiContext& ctx, const http::Request& r, const std::string& reservation) {
  if (reservation.empty()) return;
  grpc::ClientContext context;
  PrepareContext(context, r.request_id(), ctx.rpc_timeout);
  quota::v1::ReleaseRequest req;
  req.set_reservation_id(reservation);
  quota::v1::ReleaseResponse resp;
  // Idempotent and expiring on its own: a failure here only delays freeing the bytes.
  (void)ctx.clients->quota().Release(&context, req, &resp);
}

// Streams the body into `stream`. OK when the whole body was sent; the body's error when it
// broke; OK with *stream_broken when file-ingest stopped accepting (its status says why).
absl::Status Pump(http::BodyReader& body, fv1::UploadRequest& first,
                  grpc::ClientWriterInterface<fv1::UploadRequest>& stream, bool* stream_broken) {
  std::string buffer(kChunkBytes, '\0');
  fv1::UploadRequest message = std::move(first);
  while (true) {
    absl::StatusOr<size_t> n = body.Read(buffer.data(), buffer.size());
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    message.set_chunk(buffer.data(), *n);
    if (!stream.Write(message)) {
      *stream_broken = true;
      return absl::OkStatus();
    }
    message.Clear();
  }
  // A header-only message for an empty body (or the last message if nothing was read).
  if (message.has_header() && !stream.Write(message)) *stream_broken = true;
  return absl::OkStatus();
}

}  // namespace

void HandleUpload(const ApiContext& ctx, const Caller& caller, const http::Request& r,
                  http::BodyReader& body, http::ResponseWriter& w) {
  if (absl::StartsWithIgnoreCase(std::string(r.header("Content-Type").value_or("")),
                                 "multipart/")) {
    return WriteApiError(w, absl::UnimplementedError("multipart uploads are not available yet"));
  }
  absl::StatusOr<fv1::UploadHeader> header = MakeHeader(caller, r);
  if (!header.ok()) return WriteApiError(w, header.status());
  absl::StatusOr<std::string> reservation = Reserve(ctx, caller, r, r.content_length().value_or(0));
  if (!reservation.ok()) return WriteApiError(w, reservation.status());
  header->set_reservation_id(*reservation);

  grpc::ClientContext context;
  PrepareContext(context, r.request_id(), absl::InfiniteDuration());
  fv1::UploadResponse resp;
  std::unique_ptr<grpc::ClientWriterInterface<fv1::UploadRequest>> stream =
      ctx.clients->file().Upload(&context, &resp);
  fv1::UploadRequest first;
  *first.mutable_header() = *std::move(header);
  bool stream_broken = false;
  absl::Status body_status = Pump(body, first, *stream, &stream_broken);
  if (!body_status.ok()) {
    // Cancel before Finish: file-ingest sees the stream break and stores nothing.
    context.TryCancel();
    (void)stream->Finish();
    Release(ctx, r, *reservation);
    return WriteApiError(w, body_status);
  }
  if (!stream_broken) stream->WritesDone();
  grpc::Status rpc = stream->Finish();
  if (!rpc.ok()) {
    Release(ctx, r, *reservation);
    return WriteApiError(w, StatusFromRpc(rpc, context));
  }
  WriteJson(w, 201, resp);
}

}  // namespace datamesh::gateway
