// CreateMultipartUpload, CompleteMultipartUpload, AbortMultipartUpload, ListParts and
// ListMultipartUploads (s3_handlers.h) over file-ingest's multipart RPCs. The object's
// metadata and Content-Type are taken when the upload starts, as S3 does; Complete makes the
// listed parts the object (replacing an older object of the key) with the multipart ETag
// "<md5 of the part MD5s>-<part count>". Starting, completing and aborting are recorded in
// auth's audit log.
#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/s3_handlers.h"
#include "services/gateway/s3/s3_metadata.h"
#include "services/gateway/s3/s3_multipart.h"
#include "services/gateway/s3/s3_names.h"

namespace datamesh::gateway::s3 {
namespace {

namespace fv1 = file::v1;

// 10,000 parts of about 100 bytes of XML each, with room for whitespace and checksums.
constexpr size_t kMaxCompleteBody = 4 << 20;
constexpr uint32_t kMaxListed = 1000;

// A max-parts / max-uploads value: at most 1000; InvalidArgument when not a number.
std::optional<S3Error> ReadMax(const S3Call& c, std::string_view name, uint32_t& out) {
  const std::optional<std::string_view> v = c.request.query_param(name);
  if (!v) return std::nullopt;
  int64_t n = 0;
  if (!absl::SimpleAtoi(Av(*v), &n) || n < 0) {
    return InvalidArgument(absl::StrCat("Provided ", Av(name), " not an integer or within range"));
  }
  out = static_cast<uint32_t>(std::min<int64_t>(n, kMaxListed));
  return std::nullopt;
}

std::string Param(const S3Call& c, std::string_view name) {
  return std::string(c.request.query_param(name).value_or(""));
}

void WriteXml(const S3Call& c, const std::string& xml) {
  (void)c.w.WriteWhole(xml, "application/xml");
}

// The object's URL, as CompleteMultipartUploadResult's Location carries it.
std::string LocationOf(const S3Call& c) {
  return absl::StrCat("http://", Av(c.request.header("Host").value_or("")),
                      Av(c.request.path()));
}

}  // namespace

void CreateMultipartUpload(const S3Call& c) {
  if (absl::Status s = ValidateKey(c.target.bucket, c.target.key); !s.ok()) {
    return c.Fail(InvalidArgument(Sv(s.message())));
  }
  std::variant<ObjectMetadata, S3Error> metadata = MetadataFromHeaders(c.request);
  if (auto* e = std::get_if<S3Error>(&metadata)) return c.Fail(*e);
  const std::string_view content_type = c.request.header("Content-Type").value_or("");
  if (!std::all_of(content_type.begin(), content_type.end(),
                   [](unsigned char ch) { return ch >= 0x20 && ch <= 0x7e; })) {
    return c.Fail(InvalidArgument("Content-Type must be printable ASCII"));
  }
  if (!RequireOwnBucket(c, c.target.bucket)) return;
  fv1::CreateMultipartUploadRequest req;
  req.set_owner_id(c.caller().user_id);
  req.set_owner_tier(c.caller().tier);
  req.set_owner_public_key(c.caller().public_key);
  req.set_owner_key_version(c.caller().key_version);
  req.set_name(FileName(c.target.bucket, c.target.key));
  req.set_content_type(std::string(content_type));
  const ObjectMetadata& meta = std::get<ObjectMetadata>(metadata);
  req.mutable_object_metadata()->insert(meta.begin(), meta.end());
  fv1::CreateMultipartUploadResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().CreateMultipartUpload(&ctx, req, &resp);
  });
  if (!got.ok()) return c.Fail(got.status, Subject::kBucket, got.dm_error_code);
  Audit(c, "s3.multipart.create", absl::StrCat(req.name(), " ", resp.upload_id()));
  WriteXml(c, InitiateResultXml(c.target.bucket, c.target.key, resp.upload_id()));
}

void CompleteMultipartUpload(const S3Call& c) {
  std::string body;
  if (std::optional<S3Error> e = ReadSmallBody(c, kMaxCompleteBody, body)) return c.Fail(*e);
  std::variant<std::vector<fv1::CompletedPart>, S3Error> parts =
      ParseCompleteMultipartUpload(body);
  if (auto* e = std::get_if<S3Error>(&parts)) return c.Fail(*e);
  std::optional<std::string> upload_id = RequireUpload(c, /*or_finished=*/true);
  if (!upload_id) return;
  fv1::CompleteMultipartUploadRequest req;
  req.set_owner_id(c.caller().user_id);
  req.set_actor_id(c.caller().user_id);
  req.set_upload_id(*upload_id);
  for (fv1::CompletedPart& part : std::get<std::vector<fv1::CompletedPart>>(parts)) {
    *req.add_parts() = std::move(part);
  }
  fv1::CompleteMultipartUploadResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().CompleteMultipartUpload(&ctx, req, &resp);
  });
  if (!got.ok()) return c.Fail(got.status, Subject::kNone, got.dm_error_code);
  Audit(c, "s3.multipart.complete", absl::StrCat(resp.file().name(), " ", *upload_id));
  const std::string etag = EtagOf(resp.file());
  c.w.SetHeader("ETag", etag);
  WriteXml(c, CompleteResultXml(LocationOf(c), c.target.bucket, c.target.key, etag));
}

void AbortMultipartUpload(const S3Call& c) {
  std::optional<std::string> upload_id = RequireUpload(c);
  if (!upload_id) return;
  fv1::AbortMultipartUploadRequest req;
  req.set_owner_id(c.caller().user_id);
  req.set_upload_id(*upload_id);
  fv1::AbortMultipartUploadResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().AbortMultipartUpload(&ctx, req, &resp);
  });
  if (!got.ok()) return c.Fail(got.status, Subject::kNone, got.dm_error_code);
  Audit(c, "s3.multipart.abort",
        absl::StrCat(FileName(c.target.bucket, c.target.key), " ", *upload_id));
  c.w.SetStatus(204);
  (void)c.w.WriteWhole("", "");
}

void ListParts(const S3Call& c) {
  ListPartsQuery query{c.target.bucket, c.target.key, Param(c, "uploadId")};
  if (std::optional<S3Error> e = ReadMax(c, "max-parts", query.max_parts)) return c.Fail(*e);
  if (const std::string marker = Param(c, "part-number-marker"); !marker.empty()) {
    if (!absl::SimpleAtoi(marker, &query.part_number_marker)) {
      return c.Fail(InvalidArgument("Provided part-number-marker not an integer"));
    }
  }
  fv1::ListPartsRequest req;
  req.set_owner_id(c.caller().user_id);
  req.set_upload_id(query.upload_id);
  req.set_part_number_marker(query.part_number_marker);
  req.set_max_parts(query.max_parts);
  fv1::ListPartsResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().ListParts(&ctx, req, &resp);
  });
  if (!got.ok()) return c.Fail(got.status, Subject::kNone, got.dm_error_code);
  // An upload of another key is not the one this request names.
  if (resp.name() != FileName(c.target.bucket, c.target.key)) return c.Fail(NoSuchUpload());
  // max-parts=0 asks for no part; the RPC reads 0 as "the default".
  if (query.max_parts == 0) resp.clear_parts();
  WriteXml(c, ListPartsXml(query, OwnerOf(c), resp));
}

void ListMultipartUploads(const S3Call& c) {
  if (!Param(c, "delimiter").empty()) {
    return c.Fail(NotImplemented("ListMultipartUploads with a delimiter"));
  }
  if (const std::optional<std::string_view> e = c.request.query_param("encoding-type");
      e && *e != "url") {
    return c.Fail(InvalidArgument("Invalid Encoding Method specified in Request"));
  }
  ListUploadsQuery query{c.target.bucket, Param(c, "prefix"), Param(c, "key-marker"),
                         Param(c, "upload-id-marker")};
  if (std::optional<S3Error> e = ReadMax(c, "max-uploads", query.max_uploads)) return c.Fail(*e);
  if (!RequireOwnBucket(c, c.target.bucket)) return;
  fv1::ListMultipartUploadsRequest req;
  req.set_owner_id(c.caller().user_id);
  req.set_bucket(query.bucket);
  req.set_prefix(query.prefix);
  req.set_key_marker(query.key_marker);
  req.set_upload_id_marker(query.upload_id_marker);
  req.set_max_uploads(query.max_uploads);
  fv1::ListMultipartUploadsResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().ListMultipartUploads(&ctx, req, &resp);
  });
  if (!got.ok()) return c.Fail(got.status, Subject::kBucket, got.dm_error_code);
  if (query.max_uploads == 0) resp.clear_uploads();
  WriteXml(c, ListUploadsXml(query, OwnerOf(c), resp));
}

}  // namespace datamesh::gateway::s3
