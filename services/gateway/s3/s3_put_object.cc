// PutObject and CopyObject (s3_handlers.h): both stream into the REST upload path
// (transfer/upload_stream.h: quota reservation, FileService.Upload, cancel on failure) with S3's
// semantics switched on: replace_same_name (the newest put wins, older files of that name go in
// the same commit), compute_md5 (the ETag) and the object's metadata.
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/gateway/http/url.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/s3_body.h"
#include "services/gateway/s3/s3_conditions.h"
#include "services/gateway/s3/s3_copy_source.h"
#include "services/gateway/s3/s3_handlers.h"
#include "services/gateway/s3/s3_metadata.h"
#include "services/gateway/s3/s3_names.h"
#include "services/gateway/s3/s3_xml.h"
#include "services/gateway/transfer/file_upload.h"
#include "services/gateway/transfer/upload_stream.h"

namespace datamesh::gateway::s3 {
namespace {

namespace fv1 = file::v1;

constexpr size_t kChunkBytes = 1 << 20;

// A request body as an upload source, 1 MiB per message. The body's checks (s3_body.h) run on
// the last read, before the stream is ended: a failed check cancels the upload.
class BodySource : public UploadSource {
 public:
  explicit BodySource(S3Body& body) : body_(body) {}

  absl::StatusOr<bool> Next(fv1::UploadRequest& message) override {
    if (buffer_ == nullptr) buffer_.reset(new char[kChunkBytes]);
    size_t filled = 0;
    while (filled < kChunkBytes) {
      std::variant<size_t, S3Error> n = body_.Read(buffer_.get() + filled, kChunkBytes - filled);
      if (auto* e = std::get_if<S3Error>(&n)) {
        failure_ = *e;
        return absl::InvalidArgumentError(e->message);
      }
      if (std::get<size_t>(n) == 0) break;
      filled += std::get<size_t>(n);
    }
    message.set_chunk(buffer_.get(), filled);
    return filled > 0;
  }

  const std::optional<S3Error>& failure() const { return failure_; }

 private:
  S3Body& body_;
  std::unique_ptr<char[]> buffer_;
  std::optional<S3Error> failure_;
};

// Another file's bytes (FileService.Download) as an upload source: CopyObject.
class DownloadSource : public UploadSource {
 public:
  DownloadSource(const S3Call& c, const fv1::File& source) {
    PrepareContext(context_, c.request.request_id(), absl::InfiniteDuration());
    fv1::DownloadRequest req;
    req.set_file_id(source.id());
    req.set_owner_id(c.caller().user_id);
    req.set_private_key(c.caller().private_key);
    stream_ = c.api().clients->file().Download(&context_, req);
  }
  ~DownloadSource() override {
    if (!finished_) context_.TryCancel();
  }

  absl::StatusOr<bool> Next(fv1::UploadRequest& message) override {
    fv1::DownloadResponse response;
    if (stream_->Read(&response)) {
      message.set_chunk(std::move(*response.mutable_chunk()));
      return true;
    }
    finished_ = true;
    const grpc::Status rpc = stream_->Finish();
    if (!rpc.ok()) return StatusFromRpc(rpc, context_);
    message.clear_chunk();
    return false;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderInterface<fv1::DownloadResponse>> stream_;
  bool finished_ = false;
};

// The upload header every S3 write shares.
fv1::UploadHeader S3Header(const S3Call& c, const ObjectMetadata& metadata,
                           std::string content_type) {
  fv1::UploadHeader h;
  h.set_owner_id(c.caller().user_id);
  h.set_owner_tier(c.caller().tier);
  h.set_owner_public_key(c.caller().public_key);
  h.set_owner_key_version(c.caller().key_version);
  h.set_name(FileName(c.target.bucket, c.target.key));
  h.set_content_type(std::move(content_type));
  h.set_replace_same_name(true);
  h.set_compute_md5(true);
  h.mutable_object_metadata()->insert(metadata.begin(), metadata.end());
  // Upload progress events carry the S3 request's id, so a client can match them.
  const std::string upload_id = absl::StrCat("s3-", Av(c.request.request_id()));
  if (IsValidUploadId(upload_id)) h.set_upload_id(upload_id);
  return h;
}

// The key and bucket every object write needs checked first; false when answered.
bool CheckDestination(const S3Call& c) {
  // S3's conditional writes promise the condition and the commit as one step; a check before
  // the upload could not keep that promise, and ignoring the headers would overwrite what the
  // client meant to protect. So: NotImplemented, before anything is read or written.
  if (c.request.header("If-Match") || c.request.header("If-None-Match")) {
    c.Fail(NotImplemented("Conditional writes (If-Match / If-None-Match on a PUT)"));
    return false;
  }
  if (absl::Status s = ValidateKey(c.target.bucket, c.target.key); !s.ok()) {
    c.Fail(InvalidArgument(Sv(s.message())));
    return false;
  }
  return RequireOwnBucket(c, c.target.bucket).has_value();
}

std::optional<S3Error> ContentTypeOf(const http::Request& r, std::string& out) {
  out = std::string(r.header("Content-Type").value_or(""));
  for (unsigned char ch : out) {
    if (ch < 0x20 || ch > 0x7e) return InvalidArgument("Content-Type must be printable ASCII");
  }
  return std::nullopt;
}

// The bytes to reserve: the decoded length of an aws-chunked body, else Content-Length.
uint64_t DeclaredSize(const S3Call& c) {
  if (c.principal.chunked != nullptr) {
    uint64_t n = 0;
    const std::string_view v = c.request.header("x-amz-decoded-content-length").value_or("");
    return absl::SimpleAtoi(Av(v), &n) ? n : c.request.content_length().value_or(0);
  }
  return c.request.content_length().value_or(0);
}

}  // namespace

void PutObject(const S3Call& c) {
  if (!CheckDestination(c)) return;
  std::variant<ObjectMetadata, S3Error> metadata = MetadataFromHeaders(c.request);
  if (auto* e = std::get_if<S3Error>(&metadata)) return c.Fail(*e);
  std::string content_type;
  if (std::optional<S3Error> e = ContentTypeOf(c.request, content_type)) return c.Fail(*e);
  std::variant<std::unique_ptr<S3Body>, S3Error> body = S3Body::Open(c);
  if (auto* e = std::get_if<S3Error>(&body)) return c.Fail(*e);
  absl::StatusOr<TransferSlots::Slot> slot = c.api().transfers->Acquire(c.caller().user_id);
  if (!slot.ok()) return c.Fail(slot.status(), Subject::kNone);
  fv1::UploadHeader header =
      S3Header(c, std::get<ObjectMetadata>(metadata), std::move(content_type));
  const uint64_t declared = DeclaredSize(c);
  if (c.principal.chunked == nullptr && c.request.content_length()) {
    header.set_declared_size(declared);
  }
  BodySource source(*std::get<std::unique_ptr<S3Body>>(body));
  absl::StatusOr<fv1::UploadResponse> stored =
      StreamUpload(c.api(), c.caller(), CallOrigin{std::string(c.request.request_id())},
                   std::move(header), declared, source);
  if (!stored.ok()) {
    if (source.failure()) return c.Fail(*source.failure());
    return c.Fail(stored.status(), Subject::kKey);
  }
  c.w.SetHeader("ETag", EtagOf(stored->file()));
  (void)c.w.WriteWhole("", "");
}

std::variant<CopySource, S3Error> ParseCopySource(std::string_view raw) {
  const S3Error bad = InvalidArgument(
      "Copy Source must mention the source bucket and key: "
      "sourcebucket/sourcekey");
  if (const size_t q = raw.find('?'); q != std::string_view::npos) {
    const std::string_view query = raw.substr(q + 1);
    if (query != "versionId=null" && !query.empty()) return NotImplemented("Copying a version");
    raw = raw.substr(0, q);
  }
  absl::StatusOr<std::string> decoded = http::PercentDecode(raw, /*plus_as_space=*/false);
  if (!decoded.ok()) return bad;
  std::string_view path = *decoded;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == path.size()) return bad;
  return CopySource{std::string(path.substr(0, slash)), std::string(path.substr(slash + 1))};
}

namespace {

Conditions CopyConditions(const http::Request& r) {
  return Conditions{r.header("x-amz-copy-source-if-match"),
                    r.header("x-amz-copy-source-if-none-match"),
                    r.header("x-amz-copy-source-if-modified-since"),
                    r.header("x-amz-copy-source-if-unmodified-since")};
}

}  // namespace

std::optional<fv1::File> RequireSource(const S3Call& c, const CopySource& from) {
  if (!RequireOwnBucket(c, from.bucket)) return std::nullopt;
  fv1::File file;
  if (!ValidateKey(from.bucket, from.key).ok()) {
    c.Fail(NoSuchKey());
    return std::nullopt;
  }
  RpcOutcome got = StatObject(c, from.bucket, from.key, file);
  if (!got.ok()) {
    c.Fail(got.status, Subject::kKey, got.dm_error_code);
    return std::nullopt;
  }
  // A copy answers 412 for every condition that fails, 304-like ones included.
  if (Evaluate(CopyConditions(c.request), BareEtagOf(file),
               absl::FromUnixSeconds(file.created_at().seconds())) != ConditionOutcome::kProceed) {
    c.Fail(S3Error{"PreconditionFailed",
                   "At least one of the pre-conditions you specified did not hold", 412});
    return std::nullopt;
  }
  return file;
}

void CopyObject(const S3Call& c) {
  std::variant<CopySource, S3Error> from =
      ParseCopySource(c.request.header("x-amz-copy-source").value_or(""));
  if (auto* e = std::get_if<S3Error>(&from)) return c.Fail(*e);
  const std::string directive(c.request.header("x-amz-metadata-directive").value_or("COPY"));
  if (directive != "COPY" && directive != "REPLACE") {
    return c.Fail(InvalidArgument("Unknown metadata directive."));
  }
  const CopySource& src = std::get<CopySource>(from);
  if (directive == "COPY" && src.bucket == c.target.bucket && src.key == c.target.key) {
    return c.Fail(S3Error{"InvalidRequest",
                          "This copy request is illegal because it is trying to copy an object "
                          "to itself without changing the object's metadata.",
                          400});
  }
  if (!CheckDestination(c)) return;
  std::optional<fv1::File> source = RequireSource(c, src);
  if (!source) return;
  ObjectMetadata metadata(source->object_metadata().begin(), source->object_metadata().end());
  std::string content_type = source->content_type();
  if (directive == "REPLACE") {
    std::variant<ObjectMetadata, S3Error> replaced = MetadataFromHeaders(c.request);
    if (auto* e = std::get_if<S3Error>(&replaced)) return c.Fail(*e);
    metadata = std::get<ObjectMetadata>(std::move(replaced));
    if (std::optional<S3Error> e = ContentTypeOf(c.request, content_type)) return c.Fail(*e);
  }
  absl::StatusOr<TransferSlots::Slot> slot = c.api().transfers->Acquire(c.caller().user_id);
  if (!slot.ok()) return c.Fail(slot.status(), Subject::kNone);
  fv1::UploadHeader header = S3Header(c, metadata, std::move(content_type));
  header.set_declared_size(source->size());
  DownloadSource bytes(c, *source);
  absl::StatusOr<fv1::UploadResponse> stored =
      StreamUpload(c.api(), c.caller(), CallOrigin{std::string(c.request.request_id())},
                   std::move(header), source->size(), bytes);
  if (!stored.ok()) return c.Fail(stored.status(), Subject::kKey);
  XmlWriter xml;
  xml.Open("CopyObjectResult", true);
  xml.Element("LastModified",
              absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                               absl::FromUnixSeconds(stored->file().created_at().seconds()),
                               absl::UTCTimeZone()));
  xml.Element("ETag", EtagOf(stored->file()));
  (void)c.w.WriteWhole(xml.Finish(), "application/xml");
}

}  // namespace datamesh::gateway::s3
