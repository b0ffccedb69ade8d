#include "services/gateway/s3/s3_routes.h"

#include "absl/strings/ascii.h"
#include "services/gateway/routes/access_log.h"
#include "services/gateway/s3/s3_handlers.h"

namespace datamesh::gateway::s3 {
namespace {

SignedRequest ToSigned(const http::Request& r) {
  SignedRequest s;
  s.method = std::string(r.method());
  s.raw_path = std::string(r.path());
  const std::string_view target = r.target();
  if (const size_t q = target.find('?'); q != std::string_view::npos) {
    s.raw_query = std::string(target.substr(q + 1));
  }
  s.headers.reserve(r.headers().size());
  for (const auto& [name, value] : r.headers()) {
    s.headers.emplace_back(absl::AsciiStrToLower(name), value);
  }
  return s;
}

void Run(Operation op, const S3Call& c) {
  switch (op) {
    case Operation::kListBuckets: return ListBuckets(c);
    case Operation::kCreateBucket: return CreateBucket(c);
    case Operation::kHeadBucket: return HeadBucket(c);
    case Operation::kDeleteBucket: return DeleteBucket(c);
    case Operation::kGetBucketLocation: return GetBucketLocation(c);
    case Operation::kGetBucketVersioning: return GetBucketVersioning(c);
    case Operation::kListObjects: return ListObjects(c, /*v2=*/false);
    case Operation::kListObjectsV2: return ListObjects(c, /*v2=*/true);
    case Operation::kListObjectVersions: return ListObjectVersions(c);
    case Operation::kDeleteObjects: return DeleteObjects(c);
    case Operation::kPutObject: return PutObject(c);
    case Operation::kCopyObject: return CopyObject(c);
    case Operation::kGetObject:
    case Operation::kHeadObject: return GetObject(c);
    case Operation::kDeleteObject: return DeleteObject(c);
    case Operation::kCreateMultipartUpload: return CreateMultipartUpload(c);
    case Operation::kUploadPart: return UploadPart(c);
    case Operation::kUploadPartCopy: return UploadPartCopy(c);
    case Operation::kListParts: return ListParts(c);
    case Operation::kListMultipartUploads: return ListMultipartUploads(c);
    case Operation::kCompleteMultipartUpload: return CompleteMultipartUpload(c);
    case Operation::kAbortMultipartUpload: return AbortMultipartUpload(c);
    case Operation::kNotImplemented: break;
  }
}

void Dispatch(const S3Context& ctx, const http::Request& r, http::BodyReader& body,
              http::ResponseWriter& w) {
  w.SetHeader("x-amz-request-id", r.request_id());
  absl::StatusOr<S3Target> target =
      ParseTarget(r.path(), r.header("Host").value_or(""), ctx.options.domain);
  if (!target.ok()) {
    return WriteS3Error(w, r, {"InvalidURI", "Couldn't parse the specified URI.", 400});
  }
  const Classified what =
      Classify(r.method(), *target, r.query_params(), r.header("x-amz-copy-source").has_value());
  std::variant<S3Principal, S3Error> auth = ctx.authenticator->Authenticate(ToSigned(r));
  if (auto* e = std::get_if<S3Error>(&auth)) return WriteS3Error(w, r, *e);
  S3Principal& principal = std::get<S3Principal>(auth);
  S3Call call{ctx, r, body, w, principal, *std::move(target)};
  if (absl::Status s = ctx.api->limiter->Check(principal.caller, r.request_id()); !s.ok()) {
    return call.Fail(s, Subject::kNone);
  }
  if (what.operation == Operation::kNotImplemented) return call.Fail(NotImplemented(what.name));
  Run(what.operation, call);
}

}  // namespace

http::Router MakeS3Router(const S3Context& ctx) {
  http::Router router;
  // The server's own answers (405, 413, 431, bad targets, too many connections) as S3's XML.
  router.SetErrorRenderer(RenderAsS3Error);
  const http::RouteOptions transfer{.body_limit = ctx.api->max_upload_bytes, .transfer = true};
  for (const char* method : {"GET", "PUT", "POST", "DELETE"}) {
    router.Handle(method, "/{path*}",
                  WithAccessLog([&ctx](const http::Request& r, http::BodyReader& body,
                                       http::ResponseWriter& w) { Dispatch(ctx, r, body, w); }),
                  transfer);
  }
  return router;
}

}  // namespace datamesh::gateway::s3
