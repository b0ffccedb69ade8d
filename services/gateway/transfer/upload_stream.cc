#include "services/gateway/transfer/upload_stream.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "services/gateway/http/api_error.h"
#include "services/gateway/upstream/rpc_status.h"

namespace datamesh::gateway {
namespace {

namespace fv1 = file::v1;

}  // namespace

// When quota cannot take the release now (it or its database is down), the release queue tries
// again until it can: otherwise the bytes would stay reserved until quota's --reservation-ttl.
void ReleaseUpload(const ApiContext& ctx, const CallOrigin& origin,
                   const std::string& reservation) {
  if (reservation.empty()) return;
  grpc::ClientContext context;
  // Not bound to the client's deadline: the client may be the reason the upload failed.
  PrepareContext(context, CallOrigin{origin.request_id}, ctx.rpc_timeout);
  quota::v1::ReleaseRequest req;
  req.set_reservation_id(reservation);
  quota::v1::ReleaseResponse resp;
  const grpc::Status status = ctx.clients->quota().Release(&context, req, &resp);
  if (ReservationReleases::Transient(status)) {
    ctx.clients->releases().Retry(reservation, origin.request_id);
  }
}

namespace {

// Cancels the stream (before Finish, so file-ingest sees it break and stores nothing) and frees
// the reservation.
void Abandon(const ApiContext& ctx, const CallOrigin& origin, const std::string& reservation,
             grpc::ClientContext& context,
             grpc::ClientWriterInterface<fv1::UploadRequest>& stream) {
  context.TryCancel();
  (void)stream.Finish();
  ReleaseUpload(ctx, origin, reservation);
}

// What an upload has reserved, grown to cover the bytes about to be sent.
class UploadReservation {
 public:
  UploadReservation(const ApiContext& ctx, const Caller& caller, const CallOrigin& origin)
      : ctx_(ctx), caller_(caller), origin_(origin) {}

  // Reserves `bytes` more (a new reservation first, then growths of it). QUOTA_EXCEEDED and the
  // like are returned; quota being unreachable is not an error, but stops further asking.
  absl::Status Reserve(uint64_t bytes) {
    if (bytes == 0 || unreachable_) return absl::OkStatus();
    grpc::ClientContext context;
    PrepareContext(context, origin_, ctx_.rpc_timeout);
    quota::v1::ReserveRequest req;
    req.set_user_id(caller_.user_id);
    req.set_tier(caller_.tier);
    req.set_bytes(bytes);
    if (!id_.empty()) req.set_reservation_id(id_);
    quota::v1::ReserveResponse resp;
    grpc::Status rpc = ctx_.clients->quota().Reserve(&context, req, &resp);
    if (rpc.ok()) {
      id_ = resp.reservation_id();
      reserved_ += bytes;
      return absl::OkStatus();
    }
    if (AdmitWithoutQuota(rpc, "upload bytes not reserved; file.stored still counts them")) {
      unreachable_ = true;
      return absl::OkStatus();
    }
    return StatusFromRpc(rpc, context);
  }

  // Makes the reservation cover `total` bytes: a whole step when it fits, else exactly what is
  // missing, so a user close to the limit can still store a small file.
  absl::Status Cover(uint64_t total) {
    if (total <= reserved_) return absl::OkStatus();
    const uint64_t missing = total - reserved_;
    absl::Status s = Reserve(std::max(missing, kReserveStep));
    if (!s.ok() && missing < kReserveStep && http::ApiErrorFor(s).http_status == 403) {
      s = Reserve(missing);
    }
    return s;
  }

  const std::string& id() const { return id_; }

 private:
  const ApiContext& ctx_;
  const Caller& caller_;
  const CallOrigin& origin_;
  std::string id_;
  uint64_t reserved_ = 0;
  bool unreachable_ = false;
};

}  // namespace

absl::StatusOr<fv1::UploadResponse> StreamUpload(const ApiContext& ctx, const Caller& caller,
                                                 const CallOrigin& origin, fv1::UploadHeader header,
                                                 uint64_t reserve_bytes, UploadSource& source) {
  UploadReservation reservation(ctx, caller, origin);
  if (absl::Status s = reservation.Reserve(reserve_bytes); !s.ok()) return s;
  grpc::ClientContext context;
  PrepareContext(context, origin, absl::InfiniteDuration());
  fv1::UploadResponse resp;
  std::unique_ptr<grpc::ClientWriterInterface<fv1::UploadRequest>> stream =
      ctx.clients->file().Upload(&context, &resp);
  fv1::UploadRequest message;
  *message.mutable_header() = std::move(header);
  bool stream_broken = false;
  uint64_t total = 0;
  for (bool more = true; more;) {
    absl::StatusOr<bool> next = source.Next(message);
    absl::Status status = next.status();
    if (status.ok()) {
      total += message.chunk().size();
      status = reservation.Cover(total);
    }
    if (!status.ok()) {
      Abandon(ctx, origin, reservation.id(), context, *stream);
      return status;
    }
    // The first message carries the header, with the reservation made for its bytes.
    if (message.has_header()) message.mutable_header()->set_reservation_id(reservation.id());
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
    ReleaseUpload(ctx, origin, reservation.id());
    return StatusFromRpc(rpc, context);
  }
  return resp;
}

}  // namespace datamesh::gateway
