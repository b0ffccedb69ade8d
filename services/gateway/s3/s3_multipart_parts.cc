// UploadPart and UploadPartCopy (s3_handlers.h): a part's bytes -- the request body, or a range
// of another object -- streamed into FileService.UploadPart, 1 MiB per message, nothing held
// beyond that. The part's size is reserved with quota first, as PutObject reserves (403
// QuotaExceeded when it does not fit); file-ingest commits the reservation when the part
// commits, and a part that fails releases it here. A failed body check (Content-MD5, the signed
// SHA-256, an aws-chunked signature) cancels the stream, so file-ingest keeps nothing of it.
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/s3_body.h"
#include "services/gateway/s3/s3_copy_source.h"
#include "services/gateway/s3/s3_handlers.h"
#include "services/gateway/s3/s3_multipart.h"
#include "services/gateway/transfer/file_upload.h"
#include "services/gateway/transfer/upload_stream.h"

namespace datamesh::gateway::s3 {
namespace {

namespace fv1 = file::v1;

constexpr size_t kPartChunkBytes = 1 << 20;

// Where a part's bytes come from. Next fills `chunk` with the next bytes: true while more may
// follow, false at the end (with the last bytes, possibly none), an error when the source broke.
class PartBytes {
 public:
  virtual ~PartBytes() = default;
  virtual absl::StatusOr<bool> Next(std::string& chunk) = 0;
};

class RequestBody final : public PartBytes {
 public:
  explicit RequestBody(S3Body& body) : body_(body) {}

  absl::StatusOr<bool> Next(std::string& chunk) override {
    chunk.resize(kPartChunkBytes);
    for (size_t filled = 0; filled < chunk.size();) {
      std::variant<size_t, S3Error> n = body_.Read(chunk.data() + filled, chunk.size() - filled);
      if (auto* e = std::get_if<S3Error>(&n)) {
        failure_ = *e;
        return absl::InvalidArgumentError(e->message);
      }
      if (std::get<size_t>(n) == 0) {
        chunk.resize(filled);
        return false;
      }
      filled += std::get<size_t>(n);
    }
    return true;
  }

  // The S3 error that broke the body, if one did.
  const std::optional<S3Error>& failure() const { return failure_; }

 private:
  S3Body& body_;
  std::optional<S3Error> failure_;
};

// A byte range of a stored object (FileService.Download with offset and length).
class SourceRange final : public PartBytes {
 public:
  SourceRange(const S3Call& c, const fv1::File& source, const CopyRange& range) {
    PrepareContext(context_, c.request.request_id(), absl::InfiniteDuration());
    fv1::DownloadRequest req;
    req.set_file_id(source.id());
    req.set_owner_id(c.caller().user_id);
    req.set_private_key(c.caller().private_key);
    req.set_offset(range.offset);
    req.set_length(range.length);
    stream_ = c.api().clients->file().Download(&context_, req);
  }
  ~SourceRange() override {
    if (!finished_) context_.TryCancel();
  }

  absl::StatusOr<bool> Next(std::string& chunk) override {
    fv1::DownloadResponse response;
    chunk.clear();
    if (stream_->Read(&response)) {
      chunk = std::move(*response.mutable_chunk());
      return true;
    }
    finished_ = true;
    const grpc::Status rpc = stream_->Finish();
    if (!rpc.ok()) return StatusFromRpc(rpc, context_);
    return false;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderInterface<fv1::DownloadResponse>> stream_;
  bool finished_ = false;
};

// Reserves the part's bytes. The reservation's id; empty when there is nothing to reserve or
// quota cannot be reached (admitted, as PutObject admits: file-ingest still counts the part).
absl::StatusOr<std::string> ReservePart(const S3Call& c, uint64_t bytes) {
  if (bytes == 0) return std::string();
  grpc::ClientContext context;
  PrepareContext(context, c.request.request_id(), c.api().rpc_timeout);
  quota::v1::ReserveRequest req;
  req.set_user_id(c.caller().user_id);
  req.set_tier(c.caller().tier);
  req.set_bytes(bytes);
  quota::v1::ReserveResponse resp;
  const grpc::Status rpc = c.api().clients->quota().Reserve(&context, req, &resp);
  if (rpc.ok()) return resp.reservation_id();
  if (AdmitWithoutQuota(rpc, "part bytes not reserved; file-ingest still counts them")) {
    return std::string();
  }
  return StatusFromRpc(rpc, context);
}

// Writes the header and then every chunk of `bytes`. An error only when `bytes` broke; a stream
// file-ingest stopped reading ends early and its Finish tells why.
absl::Status SendPart(grpc::ClientWriterInterface<fv1::UploadPartRequest>& stream,
                      fv1::UploadPartRequest message, PartBytes& bytes) {
  for (bool more = true; more;) {
    absl::StatusOr<bool> next = bytes.Next(*message.mutable_chunk());
    if (!next.ok()) return next.status();
    more = *next;
    if (!more && !message.has_header() && message.chunk().empty()) break;
    if (!stream.Write(message)) return absl::OkStatus();
    message.Clear();
  }
  stream.WritesDone();
  return absl::OkStatus();
}

// Reserves, streams `header` and `bytes` into FileService.UploadPart, and on failure cancels
// the stream and releases the reservation. The stored part, or why not (with dm-error-code).
RpcOutcome StorePart(const S3Call& c, fv1::UploadPartHeader header, PartBytes& bytes,
                     fv1::MultipartPart& stored) {
  const CallOrigin origin{std::string(c.request.request_id())};
  absl::StatusOr<std::string> reservation = ReservePart(c, header.declared_size());
  if (!reservation.ok()) return {reservation.status(), ""};
  header.set_reservation_id(*reservation);
  grpc::ClientContext context;
  PrepareContext(context, origin, absl::InfiniteDuration());
  fv1::UploadPartResponse resp;
  std::unique_ptr<grpc::ClientWriterInterface<fv1::UploadPartRequest>> stream =
      c.api().clients->file().UploadPart(&context, &resp);
  fv1::UploadPartRequest first;
  *first.mutable_header() = std::move(header);
  if (absl::Status broken = SendPart(*stream, std::move(first), bytes); !broken.ok()) {
    context.TryCancel();  // before Finish: file-ingest sees the stream break and keeps nothing
    (void)stream->Finish();
    ReleaseUpload(c.api(), origin, *reservation);
    return {broken, ""};
  }
  const grpc::Status rpc = stream->Finish();
  if (rpc.ok()) {
    stored = resp.part();
    return {};
  }
  ReleaseUpload(c.api(), origin, *reservation);
  RpcOutcome failed{StatusFromRpc(rpc, context), ""};
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find("dm-error-code"); it != trailers.end()) {
    failed.dm_error_code.assign(it->second.data(), it->second.size());
  }
  return failed;
}

// The header of a part of the upload the request names, once its part number and upload were
// checked; otherwise answered.
std::optional<fv1::UploadPartHeader> PartHeader(const S3Call& c) {
  std::variant<uint32_t, S3Error> number = ParsePartNumber(c.request.query_param("partNumber"));
  if (auto* e = std::get_if<S3Error>(&number)) {
    c.Fail(*e);
    return std::nullopt;
  }
  std::optional<std::string> upload_id = RequireUpload(c);
  if (!upload_id) return std::nullopt;
  fv1::UploadPartHeader h;
  h.set_owner_id(c.caller().user_id);
  h.set_owner_tier(c.caller().tier);
  h.set_upload_id(*std::move(upload_id));
  h.set_part_number(std::get<uint32_t>(number));
  h.set_private_key(c.caller().private_key);
  // Progress events of the part carry the S3 request's id, as PutObject's do.
  const std::string progress_id = absl::StrCat("s3-", Av(c.request.request_id()));
  if (IsValidUploadId(progress_id)) h.set_progress_id(progress_id);
  return h;
}

// The part's byte count: Content-Length, or the decoded length of an aws-chunked body. S3
// refuses a part of unknown size (411 MissingContentLength).
std::optional<uint64_t> PartSize(const S3Call& c) {
  if (c.principal.chunked == nullptr) return c.request.content_length();
  uint64_t n = 0;
  const std::string_view v = c.request.header("x-amz-decoded-content-length").value_or("");
  if (!absl::SimpleAtoi(Av(v), &n)) return std::nullopt;
  return n;
}

}  // namespace

void UploadPart(const S3Call& c) {
  const std::optional<uint64_t> size = PartSize(c);
  if (!size) {
    return c.Fail(
        S3Error{"MissingContentLength", "You must provide the Content-Length HTTP header.", 411});
  }
  std::optional<fv1::UploadPartHeader> header = PartHeader(c);
  if (!header) return;
  header->set_declared_size(*size);
  std::variant<std::unique_ptr<S3Body>, S3Error> body = S3Body::Open(c);
  if (auto* e = std::get_if<S3Error>(&body)) return c.Fail(*e);
  absl::StatusOr<TransferSlots::Slot> slot = c.api().transfers->Acquire(c.caller().user_id);
  if (!slot.ok()) return c.Fail(slot.status(), Subject::kNone);
  RequestBody bytes(*std::get<std::unique_ptr<S3Body>>(body));
  fv1::MultipartPart part;
  RpcOutcome stored = StorePart(c, *std::move(header), bytes, part);
  if (!stored.ok()) {
    if (bytes.failure()) return c.Fail(*bytes.failure());
    return c.Fail(stored.status, Subject::kNone, stored.dm_error_code);
  }
  c.w.SetHeader("ETag", absl::StrCat("\"", part.md5(), "\""));
  (void)c.w.WriteWhole("", "");
}

void UploadPartCopy(const S3Call& c) {
  std::variant<CopySource, S3Error> from =
      ParseCopySource(c.request.header("x-amz-copy-source").value_or(""));
  if (auto* e = std::get_if<S3Error>(&from)) return c.Fail(*e);
  std::optional<fv1::UploadPartHeader> header = PartHeader(c);
  if (!header) return;
  std::optional<fv1::File> source = RequireSource(c, std::get<CopySource>(from));
  if (!source) return;
  std::variant<CopyRange, S3Error> range =
      ParseCopySourceRange(c.request.header("x-amz-copy-source-range"), source->size());
  if (auto* e = std::get_if<S3Error>(&range)) return c.Fail(*e);
  header->set_declared_size(std::get<CopyRange>(range).length);
  absl::StatusOr<TransferSlots::Slot> slot = c.api().transfers->Acquire(c.caller().user_id);
  if (!slot.ok()) return c.Fail(slot.status(), Subject::kNone);
  SourceRange bytes(c, *source, std::get<CopyRange>(range));
  fv1::MultipartPart part;
  RpcOutcome stored = StorePart(c, *std::move(header), bytes, part);
  if (!stored.ok()) return c.Fail(stored.status, Subject::kNone, stored.dm_error_code);
  (void)c.w.WriteWhole(CopyPartResultXml(part), "application/xml");
}

}  // namespace datamesh::gateway::s3
