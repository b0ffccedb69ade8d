// Bucket operations over file-ingest's bucket RPCs (s3_handlers.h).
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/s3_handlers.h"
#include "services/gateway/s3/s3_names.h"
#include "services/gateway/s3/s3_xml.h"

namespace datamesh::gateway::s3 {
namespace {

namespace fv1 = file::v1;

constexpr size_t kMaxConfigurationBytes = 64 * 1024;
constexpr int64_t kMaxBuckets = 10000;

void WriteXml(const S3Call& c, std::string xml) {
  (void)c.w.WriteWhole(std::move(xml), "application/xml");
}

// The LocationConstraint of a CreateBucket body: empty or this endpoint's region.
std::optional<S3Error> CheckLocation(const S3Call& c) {
  std::string body;
  if (std::optional<S3Error> e = ReadSmallBody(c, kMaxConfigurationBytes, body)) return e;
  if (absl::StripAsciiWhitespace(body).empty()) return std::nullopt;
  absl::StatusOr<XmlElement> doc = ParseXml(body);
  if (!doc.ok() || doc->name != "CreateBucketConfiguration") return MalformedXml();
  const XmlElement* location = doc->Child("LocationConstraint");
  if (location == nullptr || location->text.empty() || location->text == c.ctx.options.region) {
    return std::nullopt;
  }
  return S3Error{"InvalidLocationConstraint",
                 absl::StrCat("The specified location-constraint is not valid: this endpoint "
                              "serves only the region \"",
                              c.ctx.options.region, "\""),
                 400};
}

// S3's ListBuckets paging (2024): `max-buckets` 1..10000, `prefix`, and `continuation-token`,
// which is the last name of the previous page, base64url as ListObjectsV2's tokens. Without
// `max-buckets` every bucket is answered in one page, as before paging existed.
std::optional<S3Error> ReadListBucketsParams(const http::Request& r, fv1::ListBucketsRequest& req) {
  if (std::optional<std::string_view> max = r.query_param("max-buckets")) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(Av(*max), &n) || n < 1 || n > kMaxBuckets) {
      return InvalidArgument("max-buckets must be an integer from 1 to 10000");
    }
    req.set_max_buckets(static_cast<uint32_t>(n));
  }
  req.set_prefix(std::string(r.query_param("prefix").value_or("")));
  if (std::optional<std::string_view> token = r.query_param("continuation-token")) {
    std::string name;
    if (token->empty() || !absl::WebSafeBase64Unescape(Av(*token), &name)) {
      return InvalidArgument("The continuation token provided is incorrect");
    }
    req.set_start_after(std::move(name));
  }
  return std::nullopt;
}

}  // namespace

void ListBuckets(const S3Call& c) {
  fv1::ListBucketsRequest req;
  req.set_owner_id(c.caller().user_id);
  if (std::optional<S3Error> e = ReadListBucketsParams(c.request, req)) return c.Fail(*e);
  fv1::ListBucketsResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().ListBuckets(&ctx, req, &resp);
  });
  if (!got.ok()) return c.Fail(got.status, Subject::kNone);
  XmlWriter xml;
  xml.Open("ListAllMyBucketsResult", true);
  xml.Open("Owner");
  xml.Element("ID", c.caller().user_id);
  xml.Element("DisplayName", c.caller().username);
  xml.Close();
  xml.Open("Buckets");
  for (const fv1::Bucket& b : resp.buckets()) {
    xml.Open("Bucket");
    xml.Element("Name", b.name());
    xml.Element("CreationDate", XmlTime(b.created_at()));
    xml.Element("BucketRegion", c.ctx.options.region);
    xml.Close();
  }
  xml.Close();
  // The token of the next page, present only when there is one (as S3).
  if (resp.is_truncated()) {
    xml.Element("ContinuationToken", absl::WebSafeBase64Escape(resp.next_start_after()));
  }
  if (c.request.query_param("prefix").has_value()) xml.Element("Prefix", req.prefix());
  WriteXml(c, xml.Finish());
}

void CreateBucket(const S3Call& c) {
  const std::string& name = c.target.bucket;
  if (absl::Status s = ValidateBucketName(name); !s.ok()) {
    return c.Fail(
        InvalidBucketName(absl::StrCat("The specified bucket is not valid: ", s.message())));
  }
  if (std::optional<S3Error> e = CheckLocation(c)) return c.Fail(*e);
  fv1::CreateBucketRequest req;
  req.set_owner_id(c.caller().user_id);
  req.set_name(name);
  fv1::CreateBucketResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().CreateBucket(&ctx, req, &resp);
  });
  if (!got.ok()) return c.Fail(got.status, Subject::kBucket, got.dm_error_code);
  Audit(c, "s3.bucket.create", name);
  c.w.SetHeader("Location", absl::StrCat("/", name));
  WriteXml(c, "");
}

void HeadBucket(const S3Call& c) {
  if (!RequireOwnBucket(c, c.target.bucket)) return;
  c.w.SetHeader("x-amz-bucket-region", c.ctx.options.region);
  WriteXml(c, "");
}

void DeleteBucket(const S3Call& c) {
  fv1::DeleteBucketRequest req;
  req.set_owner_id(c.caller().user_id);
  req.set_name(c.target.bucket);
  req.set_actor_id(c.caller().user_id);
  fv1::DeleteBucketResponse resp;
  RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
    return c.api().clients->file().DeleteBucket(&ctx, req, &resp);
  });
  if (!got.ok()) return c.Fail(got.status, Subject::kBucket, got.dm_error_code);
  Audit(c, "s3.bucket.delete", c.target.bucket);
  c.w.SetStatus(204);
  (void)c.w.WriteWhole("", "");
}

void GetBucketLocation(const S3Call& c) {
  if (!RequireOwnBucket(c, c.target.bucket)) return;
  // us-east-1 is answered as an empty constraint, as S3 does; clients read it so.
  const std::string& region = c.ctx.options.region;
  XmlWriter xml;
  xml.Open("LocationConstraint", true);
  if (region != "us-east-1") xml.Text(region);
  WriteXml(c, xml.Finish());
}

void GetBucketVersioning(const S3Call& c) {
  if (!RequireOwnBucket(c, c.target.bucket)) return;
  // Versioning is never enabled: S3 answers a configuration without a Status then.
  XmlWriter xml;
  xml.Open("VersioningConfiguration", true);
  WriteXml(c, xml.Finish());
}

}  // namespace datamesh::gateway::s3
