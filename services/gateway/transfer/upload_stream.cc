#include "services/gateway/transfer/upload_stream.h"

#include <memory>
#include <utility>

#include "services/gateway/upstream/rpc_status.h"

namespace datamesh::gateway {
namespace {

namespace fv1 = file::v1;

// Cancels the stream (before Finish, so file-ingest sees it break and stores nothing) and frees
// the reservation.
void Abandon(const ApiContext& ctx, const CallOrigin& origin, const std::string& reservation,
             grpc::ClientContext& context,
             grpc::ClientWriterInterface<fv1::UploadRequest>& stream) {
  context.TryCancel();
  (void)stream.Finish();
  ReleaseUpload(ctx, origin, reservation);
}

}  // namespace

absl::StatusOr<std::string> ReserveUpload(const ApiContext& ctx, const Caller& caller,
                                          const CallOrigin& origin, uint64_t bytes) {
  if (bytes == 0) return std::string();
  grpc::ClientContext context;
  PrepareContext(context, origin, ctx.rpc_timeout);
  quota::v1::ReserveRequest req;
  req.set_user_id(caller.user_id);
  req.set_tier(caller.tier);
  req.set_bytes(bytes);
  quota::v1::ReserveResponse resp;
  grpc::Status rpc = ctx.clients->quota().Reserve(&context, req, &resp);
  if (rpc.ok()) return resp.reservation_id();
  if (AdmitWithoutQuota(rpc, "no reservation at the edge; file-ingest reserves itself")) {
    return std::string();
  }
  return StatusFromRpc(rpc, context);
}

void ReleaseUpload(const ApiContext& ctx, const CallOrigin& origin,
                   const std::string& reservation) {
  if (reservation.empty()) return;
  grpc::ClientContext context;
  // Not bound to the client's deadline: the client may be the reason the upload failed.
  PrepareContext(context, CallOrigin{origin.request_id}, ctx.rpc_timeout);
  quota::v1::ReleaseRequest req;
  req.set_reservation_id(reservation);
  quota::v1::ReleaseResponse resp;
  // Idempotent and expiring on its own: a failure here only delays freeing the bytes.
  (void)ctx.clients->quota().Release(&context, req, &resp);
}

absl::StatusOr<fv1::UploadResponse> StreamUpload(const ApiContext& ctx, const Caller& caller,
                                                 const CallOrigin& origin, fv1::UploadHeader header,
                                                 uint64_t reserve_bytes, UploadSource& source) {
  absl::StatusOr<std::string> reservation = ReserveUpload(ctx, caller, origin, reserve_bytes);
  if (!reservation.ok()) return reservation.status();
  header.set_reservation_id(*reservation);
  grpc::ClientContext context;
  PrepareContext(context, origin, absl::InfiniteDuration());
  fv1::UploadResponse resp;
  std::unique_ptr<grpc::ClientWriterInterface<fv1::UploadRequest>> stream =
      ctx.clients->file().Upload(&context, &resp);
  fv1::UploadRequest message;
  *message.mutable_header() = std::move(header);
  bool stream_broken = false;
  for (bool more = true; more;) {
    absl::StatusOr<bool> next = source.Next(message);
    if (!next.ok()) {
      Abandon(ctx, origin, *reservation, context, *stream);
      return next.status();
    }
    more = *next;
    // The header goes out even for an empty file; an empty last chunk does not.
    if (!more && !message.has_header() && message.chunk().empty()) break;
    if (!stream->Write(message)) {
      stream_broken = true;  // file-ingest stopped accepting; Finish() says why
      break;
    }
    message.Clear();
  }
  if (!stream_broken) stream->WritesDone();
  grpc::Status rpc = stream->Finish();
  if (!rpc.ok()) {
    ReleaseUpload(ctx, origin, *reservation);
    return StatusFromRpc(rpc, context);
  }
  return resp;
}

}  // namespace datamesh::gateway
