// ListObjects (v1), ListObjectsV2 and ListObjectVersions over FileService.ListObjects
// (s3_handlers.h).
//
// v1 pages with `marker` and answers NextMarker when truncated (the last key or common prefix
// returned); v2 with an opaque continuation token (base64 of the same position), `start-after`
// and `fetch-owner`. With encoding-type=url every key, prefix, delimiter and marker in the answer
// is percent-encoded, so keys with characters XML 1.0 cannot carry still list.
//
// Versioning is never enabled on a DataMesh bucket, so ListObjectVersions answers as S3 does for
// such a bucket: each object once, as its only and latest version, with the version id "null"
// (which GetObject, DeleteObject and DeleteObjects accept); no delete markers. It pages with
// `key-marker`; `version-id-marker` can then only be "null", which adds nothing to the position.
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/s3_handlers.h"
#include "services/gateway/s3/s3_names.h"
#include "services/gateway/s3/s3_xml.h"

namespace datamesh::gateway::s3 {
namespace {

namespace fv1 = file::v1;

constexpr uint32_t kMaxKeys = 1000;

enum class ListKind { kV1, kV2, kVersions };

// S3's version id of the one version an object of a never-versioned bucket has.
constexpr char kNullVersion[] = "null";

struct ListParams {
  ListKind kind = ListKind::kV1;
  bool v2 = false;
  bool url_encode = false;
  bool fetch_owner = false;
  bool has_continuation_token = false;  // sent, even empty: the answer echoes it
  uint32_t max_keys = kMaxKeys;
  std::string prefix, delimiter, marker, start_after, continuation_token, version_id_marker;
  std::string position;  // exclusive start for the RPC
};

std::string Param(const http::Request& r, std::string_view name) {
  return std::string(r.query_param(name).value_or(""));
}

std::optional<S3Error> ReadParams(const http::Request& r, ListKind kind, ListParams& p) {
  p.kind = kind;
  const bool v2 = kind == ListKind::kV2;
  p.v2 = v2;
  p.prefix = Param(r, "prefix");
  p.delimiter = Param(r, "delimiter");
  if (std::optional<std::string_view> e = r.query_param("encoding-type")) {
    if (*e != "url") return InvalidArgument("Invalid Encoding Method specified in Request");
    p.url_encode = true;
  }
  if (std::optional<std::string_view> m = r.query_param("max-keys")) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(Av(*m), &n) || n < 0) {
      return InvalidArgument("Provided max-keys not an integer or within integer range");
    }
    p.max_keys = static_cast<uint32_t>(std::min<int64_t>(n, kMaxKeys));
  }
  if (kind == ListKind::kVersions) {
    p.marker = Param(r, "key-marker");
    p.position = p.marker;
    if (std::optional<std::string_view> v = r.query_param("version-id-marker")) {
      p.version_id_marker = std::string(*v);
      if (p.marker.empty()) {
        return InvalidArgument("A version-id marker cannot be specified without a key marker.");
      }
      if (*v != kNullVersion) return InvalidArgument("Invalid version id specified");
    }
    return std::nullopt;
  }
  if (!v2) {
    p.marker = Param(r, "marker");
    p.position = p.marker;
    return std::nullopt;
  }
  p.fetch_owner = Param(r, "fetch-owner") == "true";
  p.start_after = Param(r, "start-after");
  p.position = p.start_after;
  if (std::optional<std::string_view> token = r.query_param("continuation-token")) {
    p.has_continuation_token = true;
    p.continuation_token = std::string(*token);
    // An empty token is no position at all (S3 lists from the start and echoes it empty).
    if (token->empty()) return std::nullopt;
    std::string decoded;
    if (!absl::WebSafeBase64Unescape(Av(*token), &decoded)) {
      return InvalidArgument("The continuation token provided is incorrect");
    }
    p.position = std::move(decoded);
  }
  return std::nullopt;
}

// S3's encoding-type=url: everything but unreserved characters and '/' as %XX.
std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char ch : s) {
    if (absl::ascii_isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' || ch == '/') {
      out += static_cast<char>(ch);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned>(ch));
    }
  }
  return out;
}

class ListWriter {
 public:
  ListWriter(const S3Call& c, const ListParams& p) : c_(c), p_(p) {}

  std::string Write(const fv1::ListObjectsResponse& resp) {
    if (p_.kind == ListKind::kVersions) return WriteVersions(resp);
    xml_.Open("ListBucketResult", true);
    xml_.Element("Name", c_.target.bucket);
    // S3 leaves v1's Prefix as sent even with encoding-type=url, and SDKs do not decode it there
    // (botocore decodes v1's Delimiter, Marker, NextMarker and keys only); v2 encodes it.
    xml_.Element("Prefix", p_.v2 ? Enc(p_.prefix) : p_.prefix);
    if (p_.v2) {
      if (!p_.start_after.empty()) xml_.Element("StartAfter", Enc(p_.start_after));
      if (p_.has_continuation_token) {
        xml_.Element("ContinuationToken", p_.continuation_token);
      }
      xml_.Element("KeyCount", absl::StrCat(resp.objects_size() + resp.common_prefixes_size()));
    } else {
      xml_.Element("Marker", Enc(p_.marker));
    }
    xml_.Element("MaxKeys", absl::StrCat(p_.max_keys));
    if (!p_.delimiter.empty()) xml_.Element("Delimiter", Enc(p_.delimiter));
    if (p_.url_encode) xml_.Element("EncodingType", "url");
    xml_.Element("IsTruncated", resp.is_truncated() ? "true" : "false");
    if (resp.is_truncated()) {
      if (p_.v2) {
        xml_.Element("NextContinuationToken", absl::WebSafeBase64Escape(resp.next_start_after()));
      } else {
        xml_.Element("NextMarker", Enc(resp.next_start_after()));
      }
    }
    const size_t strip = c_.target.bucket.size() + 1;  // "bucket/"
    for (const fv1::File& f : resp.objects())
      Contents(f, f.name().substr(std::min(strip, f.name().size())));
    CommonPrefixes(resp);
    return xml_.Finish();
  }

 private:
  // ListVersionsResult: the same page, each object as its one "null" version.
  std::string WriteVersions(const fv1::ListObjectsResponse& resp) {
    xml_.Open("ListVersionsResult", true);
    xml_.Element("Name", c_.target.bucket);
    xml_.Element("Prefix", Enc(p_.prefix));
    xml_.Element("KeyMarker", Enc(p_.marker));
    xml_.Element("VersionIdMarker", p_.version_id_marker);
    xml_.Element("MaxKeys", absl::StrCat(p_.max_keys));
    if (!p_.delimiter.empty()) xml_.Element("Delimiter", Enc(p_.delimiter));
    if (p_.url_encode) xml_.Element("EncodingType", "url");
    xml_.Element("IsTruncated", resp.is_truncated() ? "true" : "false");
    if (resp.is_truncated()) {
      xml_.Element("NextKeyMarker", Enc(resp.next_start_after()));
      xml_.Element("NextVersionIdMarker", kNullVersion);
    }
    const size_t strip = c_.target.bucket.size() + 1;  // "bucket/"
    for (const fv1::File& f : resp.objects()) {
      xml_.Open("Version");
      xml_.Element("Key", Enc(f.name().substr(std::min(strip, f.name().size()))));
      xml_.Element("VersionId", kNullVersion);
      xml_.Element("IsLatest", "true");
      xml_.Element("LastModified", XmlTime(f.created_at()));
      xml_.Element("ETag", EtagOf(f));
      xml_.Element("Size", absl::StrCat(f.size()));
      xml_.Element("StorageClass", "STANDARD");
      Owner();
      xml_.Close();
    }
    CommonPrefixes(resp);
    return xml_.Finish();
  }

  void CommonPrefixes(const fv1::ListObjectsResponse& resp) {
    for (const std::string& prefix : resp.common_prefixes()) {
      xml_.Open("CommonPrefixes");
      xml_.Element("Prefix", Enc(prefix));
      xml_.Close();
    }
  }

  void Owner() {
    xml_.Open("Owner");
    xml_.Element("ID", c_.caller().user_id);
    xml_.Element("DisplayName", c_.caller().username);
    xml_.Close();
  }

  std::string Enc(std::string_view s) const {
    return p_.url_encode ? UrlEncode(s) : std::string(s);
  }

  void Contents(const fv1::File& f, std::string_view key) {
    xml_.Open("Contents");
    xml_.Element("Key", Enc(key));
    xml_.Element("LastModified", XmlTime(f.created_at()));
    xml_.Element("ETag", EtagOf(f));
    xml_.Element("Size", absl::StrCat(f.size()));
    xml_.Element("StorageClass", "STANDARD");
    if (!p_.v2 || p_.fetch_owner) Owner();
    xml_.Close();
  }

  const S3Call& c_;
  const ListParams& p_;
  XmlWriter xml_;
};

void List(const S3Call& c, ListKind kind) {
  ListParams p;
  if (std::optional<S3Error> e = ReadParams(c.request, kind, p)) return c.Fail(*e);
  if (!RequireOwnBucket(c, c.target.bucket)) return;
  fv1::ListObjectsResponse resp;
  // max-keys=0 asks for nothing (S3 answers an empty, untruncated page); the RPC's 0 means 1000.
  if (p.max_keys > 0) {
    fv1::ListObjectsRequest req;
    req.set_owner_id(c.caller().user_id);
    req.set_bucket(c.target.bucket);
    req.set_prefix(p.prefix);
    req.set_delimiter(p.delimiter);
    req.set_start_after(p.position);
    req.set_max_keys(p.max_keys);
    RpcOutcome got = CallService(c, [&](grpc::ClientContext& ctx) {
      return c.api().clients->file().ListObjects(&ctx, req, &resp);
    });
    if (!got.ok()) return c.Fail(got.status, Subject::kBucket, got.dm_error_code);
  }
  (void)c.w.WriteWhole(ListWriter(c, p).Write(resp), "application/xml");
}

}  // namespace

void ListObjects(const S3Call& c, bool v2) { List(c, v2 ? ListKind::kV2 : ListKind::kV1); }

void ListObjectVersions(const S3Call& c) { List(c, ListKind::kVersions); }

}  // namespace datamesh::gateway::s3
