#include "services/gateway/s3/s3_context.h"

#include "absl/strings/str_cat.h"
#include "services/gateway/s3/s3_body.h"
#include "services/gateway/s3/s3_names.h"

namespace datamesh::gateway::s3 {

namespace fv1 = file::v1;

void S3Call::Fail(const absl::Status& status, Subject subject,
                  std::string_view dm_error_code) const {
  const std::optional<uint32_t> retry = RetryAfterOf(status);
  WriteS3Error(w, request, S3ErrorFor(status, subject, dm_error_code),
               retry ? static_cast<int>(*retry) : 0);
}

std::optional<fv1::Bucket> RequireOwnBucket(const S3Call& c, std::string_view name) {
  if (!ValidateBucketName(name).ok()) {
    // No bucket can have that name: S3 answers NoSuchBucket for reads of it too.
    c.Fail(NoSuchBucket());
    return std::nullopt;
  }
  fv1::GetBucketRequest req;
  req.set_name(std::string(name));
  fv1::GetBucketResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().GetBucket(&ctx, req, &resp);
  });
  if (!got.ok()) {
    c.Fail(got.status, Subject::kBucket, got.dm_error_code);
    return std::nullopt;
  }
  if (resp.bucket().owner_id() != c.caller().user_id) {
    c.Fail(AccessDenied());
    return std::nullopt;
  }
  return resp.bucket();
}

RpcOutcome StatObject(const S3Call& c, std::string_view bucket, std::string_view key,
                      fv1::File& file) {
  fv1::StatByNameRequest req;
  req.set_owner_id(c.caller().user_id);
  req.set_name(FileName(bucket, key));
  fv1::StatResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().StatByName(&ctx, req, &resp);
  });
  if (got.ok()) file = resp.file();
  return got;
}

std::string BareEtagOf(const fv1::File& file) {
  return file.md5().empty() ? file.sha256() : file.md5();
}

std::string EtagOf(const fv1::File& file) { return absl::StrCat("\"", BareEtagOf(file), "\""); }

void Audit(const S3Call& c, std::string_view action, std::string_view target) {
  grpc::ClientContext context;
  PrepareContext(context, CallOrigin{std::string(c.request.request_id())}, c.api().rpc_timeout);
  auth::v1::RecordAuditRequest req;
  auth::v1::AuditRecord& record = *req.mutable_record();
  record.set_actor(c.caller().user_id);
  record.set_action(std::string(action));
  record.set_target(std::string(target));
  record.set_outcome("ok");
  record.set_source_ip(SourceIp(c.api(), c.request));
  auth::v1::RecordAuditResponse resp;
  (void)c.api().clients->auth().RecordAudit(&context, req, &resp);
}

std::optional<S3Error> ReadSmallBody(const S3Call& c, size_t limit, std::string& out) {
  std::variant<std::unique_ptr<S3Body>, S3Error> opened = S3Body::Open(c);
  if (auto* e = std::get_if<S3Error>(&opened)) return *e;
  S3Body& body = *std::get<std::unique_ptr<S3Body>>(opened);
  char buffer[16 * 1024];
  while (true) {
    std::variant<size_t, S3Error> n = body.Read(buffer, sizeof buffer);
    if (auto* e = std::get_if<S3Error>(&n)) return *e;
    const size_t got = std::get<size_t>(n);
    if (got == 0) return std::nullopt;
    if (out.size() + got > limit) {
      return S3Error{"MalformedXML", absl::StrCat("the request body is over ", limit, " bytes"),
                     400};
    }
    out.append(buffer, got);
  }
}

}  // namespace datamesh::gateway::s3
