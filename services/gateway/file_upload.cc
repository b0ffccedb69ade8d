#include "services/gateway/file_upload.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/gateway/multipart_reader.h"
#include "services/gateway/rpc_status.h"
#include "services/gateway/tag_query.h"
#include "services/gateway/unary_call.h"
#include "shared/log/log.h"

namespace datamesh::gateway {
namespace {

namespace fv1 = file::v1;
constexpr size_t kChunkBytes = 1 << 20;

// The query parameter `query`, else the header `header`.
std::optional<std::string_view> QueryOrHeader(const http::Request& r, std::string_view query,
                                              std::string_view header) {
  std::optional<std::string_view> value = r.query_param(query);
  return value ? value : r.header(header);
}

// ?encryption= / X-DataMesh-Encryption and ?uploadId= / X-Upload-Id into `h`.
absl::Status ApplyUploadOptions(const http::Request& r, fv1::UploadHeader& h) {
  if (auto encryption = QueryOrHeader(r, "encryption", "X-DataMesh-Encryption")) {
    if (*encryption != "client" && *encryption != "server") {
      return absl::InvalidArgumentError("encryption must be \"client\" or \"server\"");
    }
    h.set_client_encrypted(*encryption == "client");
  }
  if (auto upload_id = QueryOrHeader(r, "uploadId", "X-Upload-Id")) {
    if (!IsValidUploadId(*upload_id)) {
      return absl::InvalidArgumentError("upload id must be 1-64 characters of [A-Za-z0-9_-]");
    }
    h.set_upload_id(std::string(*upload_id));
  }
  return absl::OkStatus();
}

// The upload header from the request's query and headers. INVALID_ARGUMENT for bad tags,
// encryption or upload id.
absl::StatusOr<fv1::UploadHeader> MakeHeader(const Caller& caller, const http::Request& r) {
  fv1::UploadHeader h;
  h.set_owner_id(caller.user_id);
  h.set_owner_tier(caller.tier);
  h.set_owner_public_key(caller.public_key);
  h.set_owner_key_version(caller.key_version);
  h.set_name(std::string(QueryOrHeader(r, "name", "X-File-Name").value_or("")));
  h.set_content_type(std::string(r.header("Content-Type").value_or("")));
  if (std::optional<std::string_view> tags = r.query_param("tags")) {
    absl::StatusOr<std::map<std::string, std::string>> parsed = ParseTagQuery(*tags);
    if (!parsed.ok()) return parsed.status();
    h.mutable_tags()->insert(parsed->begin(), parsed->end());
  }
  if (absl::Status s = ApplyUploadOptions(r, h); !s.ok()) return s;
  if (r.content_length()) h.set_declared_size(*r.content_length());
  return h;
}

// For a multipart body: positions `multipart` at the file's bytes and takes the name (unless
// the request named the file) and type from its part. The declared size is the whole body's,
// not the file's, so it is dropped (the reservation still uses it as an upper bound).
absl::Status StartMultipart(const http::Request& r, MultipartFileReader& multipart,
                            fv1::UploadHeader& h) {
  if (absl::Status s = multipart.Start(); !s.ok()) return s;
  if (!QueryOrHeader(r, "name", "X-File-Name")) h.set_name(multipart.filename());
  h.set_content_type(multipart.content_type());
  h.clear_declared_size();
  return absl::OkStatus();
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
    // A socket read returns what one TCP read delivered (often tens of KiB); gather a whole
    // chunk first, since every gRPC message costs a write, a wake-up and a copy downstream.
    size_t filled = 0;
    while (filled < buffer.size()) {
      absl::StatusOr<size_t> n = body.Read(buffer.data() + filled, buffer.size() - filled);
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      filled += *n;
    }
    if (filled == 0) break;
    message.set_chunk(buffer.data(), filled);
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

// Streams `source` into FileService.Upload under `header` (which holds the reservation) and
// answers 201, or the error after cancelling the stream and releasing the reservation.
void Send(const ApiContext& ctx, const http::Request& r, fv1::UploadHeader header,
          http::BodyReader& source, http::ResponseWriter& w) {
  const std::string reservation = header.reservation_id();
  grpc::ClientContext context;
  PrepareContext(context, r.request_id(), absl::InfiniteDuration());
  fv1::UploadResponse resp;
  std::unique_ptr<grpc::ClientWriterInterface<fv1::UploadRequest>> stream =
      ctx.clients->file().Upload(&context, &resp);
  fv1::UploadRequest first;
  *first.mutable_header() = std::move(header);
  bool stream_broken = false;
  absl::Status body_status = Pump(source, first, *stream, &stream_broken);
  if (!body_status.ok()) {
    // Cancel before Finish: file-ingest sees the stream break and stores nothing.
    context.TryCancel();
    (void)stream->Finish();
    Release(ctx, r, reservation);
    return WriteApiError(w, body_status);
  }
  if (!stream_broken) stream->WritesDone();
  grpc::Status rpc = stream->Finish();
  if (!rpc.ok()) {
    Release(ctx, r, reservation);
    return WriteApiError(w, StatusFromRpc(rpc, context));
  }
  WriteJson(w, 201, resp);
}

}  // namespace

bool IsValidUploadId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

void HandleUpload(const ApiContext& ctx, const Caller& caller, const http::Request& r,
                  http::BodyReader& body, http::ResponseWriter& w) {
  absl::StatusOr<fv1::UploadHeader> header = MakeHeader(caller, r);
  if (!header.ok()) return WriteApiError(w, header.status());
  const std::string_view content_type = r.header("Content-Type").value_or("");
  std::optional<MultipartFileReader> multipart;
  http::BodyReader* source = &body;
  if (absl::StartsWithIgnoreCase(absl::string_view(content_type.data(), content_type.size()),
                                 "multipart/")) {
    absl::StatusOr<std::string> boundary = MultipartBoundary(content_type);
    if (!boundary.ok()) return WriteApiError(w, boundary.status());
    multipart.emplace(body, *std::move(boundary));
    if (absl::Status s = StartMultipart(r, *multipart, *header); !s.ok()) {
      return WriteApiError(w, s);
    }
    source = &*multipart;
  }
  absl::StatusOr<std::string> reservation = Reserve(ctx, caller, r, r.content_length().value_or(0));
  if (!reservation.ok()) return WriteApiError(w, reservation.status());
  header->set_reservation_id(*reservation);
  Send(ctx, r, *std::move(header), *source, w);
}

}  // namespace datamesh::gateway
