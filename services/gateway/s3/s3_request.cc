#include "services/gateway/s3/s3_request.h"

#include <array>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/gateway/http/url.h"
#include "services/gateway/s3/auth/absl_view.h"

namespace datamesh::gateway::s3 {
namespace {

using Op = Operation;

// Subresources of buckets and objects this edge does not serve, with the operation S3 names
// for (method, subresource) — the first matching pair wins; "*" is any method.
struct Unsupported {
  std::string_view method;
  std::string_view subresource;
  std::string_view operation;
};
constexpr std::array kUnsupported = {
    Unsupported{"PUT", "versioning", "PutBucketVersioning"},
    // One part of a multipart object: answering the whole object would be silently wrong.
    Unsupported{"GET", "partNumber", "GetObject of one part (partNumber)"},
    Unsupported{"HEAD", "partNumber", "HeadObject of one part (partNumber)"},
    Unsupported{"*", "acl", "Bucket or object ACLs"},
    Unsupported{"*", "policy", "Bucket policies"},
    Unsupported{"*", "policyStatus", "GetBucketPolicyStatus"},
    Unsupported{"*", "lifecycle", "Bucket lifecycle"},
    Unsupported{"*", "tagging", "Tagging"},
    Unsupported{"*", "cors", "Bucket CORS"},
    Unsupported{"*", "website", "Bucket websites"},
    Unsupported{"*", "logging", "Bucket logging"},
    Unsupported{"*", "notification", "Bucket notifications"},
    Unsupported{"*", "replication", "Bucket replication"},
    Unsupported{"*", "encryption", "Bucket encryption configuration"},
    Unsupported{"*", "requestPayment", "Requester pays"},
    Unsupported{"*", "accelerate", "Transfer acceleration"},
    Unsupported{"*", "analytics", "Bucket analytics"},
    Unsupported{"*", "inventory", "Bucket inventory"},
    Unsupported{"*", "metrics", "Bucket metrics"},
    Unsupported{"*", "intelligent-tiering", "Intelligent-Tiering"},
    Unsupported{"*", "object-lock", "Object Lock"},
    Unsupported{"*", "legal-hold", "Object legal hold"},
    Unsupported{"*", "retention", "Object retention"},
    Unsupported{"*", "ownershipControls", "Bucket ownership controls"},
    Unsupported{"*", "publicAccessBlock", "Public access block"},
    Unsupported{"*", "restore", "RestoreObject"},
    Unsupported{"*", "select", "SelectObjectContent"},
    Unsupported{"*", "torrent", "GetObjectTorrent"},
    Unsupported{"*", "attributes", "GetObjectAttributes"},
    Unsupported{"*", "versionId", "Object versions"},
    Unsupported{"*", "renameObject", "RenameObject"},
    Unsupported{"*", "session", "CreateSession"},
    Unsupported{"*", "metadataTable", "Bucket metadata tables"},
};

bool Has(const http::HeaderList& query, std::string_view key) {
  for (const auto& [k, v] : query) {
    if (k == key) return true;
  }
  return false;
}

std::string_view Value(const http::HeaderList& query, std::string_view key) {
  for (const auto& [k, v] : query) {
    if (k == key) return v;
  }
  return {};
}

Classified Service(std::string_view method) {
  if (method == "GET" || method == "HEAD") return {Op::kListBuckets, "ListBuckets"};
  return {Op::kNotImplemented, "This request on the service"};
}

Classified Bucket(std::string_view method, const http::HeaderList& query) {
  if (method == "GET" && Has(query, "location"))
    return {Op::kGetBucketLocation, "GetBucketLocation"};
  if (method == "GET" && Has(query, "versioning")) {
    return {Op::kGetBucketVersioning, "GetBucketVersioning"};
  }
  if (method == "POST" && Has(query, "delete")) return {Op::kDeleteObjects, "DeleteObjects"};
  if (method == "GET" && Has(query, "versions")) {
    return {Op::kListObjectVersions, "ListObjectVersions"};
  }
  if (method == "GET" && Has(query, "uploads")) {
    return {Op::kListMultipartUploads, "ListMultipartUploads"};
  }
  if (method == "GET") {
    if (Value(query, "list-type") == "2") return {Op::kListObjectsV2, "ListObjectsV2"};
    return {Op::kListObjects, "ListObjects"};
  }
  if (method == "HEAD") return {Op::kHeadBucket, "HeadBucket"};
  if (method == "PUT") return {Op::kCreateBucket, "CreateBucket"};
  if (method == "DELETE") return {Op::kDeleteBucket, "DeleteBucket"};
  return {Op::kNotImplemented, "This request on a bucket"};
}

// The multipart operations on an object (s3_multipart.h), told apart by ?uploads / ?uploadId;
// nullopt for any other request.
std::optional<Classified> Multipart(std::string_view method, const http::HeaderList& query,
                                    bool has_copy_source) {
  if (method == "POST" && Has(query, "uploads")) {
    return Classified{Op::kCreateMultipartUpload, "CreateMultipartUpload"};
  }
  if (!Has(query, "uploadId")) return std::nullopt;
  if (method == "PUT") {
    return has_copy_source ? Classified{Op::kUploadPartCopy, "UploadPartCopy"}
                           : Classified{Op::kUploadPart, "UploadPart"};
  }
  if (method == "POST") return Classified{Op::kCompleteMultipartUpload, "CompleteMultipartUpload"};
  if (method == "DELETE") return Classified{Op::kAbortMultipartUpload, "AbortMultipartUpload"};
  if (method == "GET") return Classified{Op::kListParts, "ListParts"};
  return std::nullopt;
}

Classified Object(std::string_view method, const http::HeaderList& query, bool has_copy_source) {
  if (std::optional<Classified> multipart = Multipart(method, query, has_copy_source)) {
    return *std::move(multipart);
  }
  if (method == "PUT") {
    return has_copy_source ? Classified{Op::kCopyObject, "CopyObject"}
                           : Classified{Op::kPutObject, "PutObject"};
  }
  if (method == "GET") return {Op::kGetObject, "GetObject"};
  if (method == "HEAD") return {Op::kHeadObject, "HeadObject"};
  if (method == "DELETE") return {Op::kDeleteObject, "DeleteObject"};
  return {Op::kNotImplemented, "This request on an object"};
}

}  // namespace

absl::StatusOr<S3Target> ParseTarget(std::string_view raw_path, std::string_view host,
                                     std::string_view domain) {
  S3Target target;
  std::string_view path = raw_path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!domain.empty()) {
    std::string lower = absl::AsciiStrToLower(Av(host));
    if (const size_t colon = lower.rfind(':');
        colon != std::string::npos && lower.find(']') == std::string::npos) {
      lower.resize(colon);
    }
    const std::string suffix = absl::StrCat(".", absl::AsciiStrToLower(Av(domain)));
    if (lower.size() > suffix.size() && absl::EndsWith(lower, suffix)) {
      target.bucket = lower.substr(0, lower.size() - suffix.size());
      absl::StatusOr<std::string> key = http::PercentDecode(path, /*plus_as_space=*/false);
      if (!key.ok()) return key.status();
      target.key = *std::move(key);
      return target;
    }
  }
  const size_t slash = path.find('/');
  absl::StatusOr<std::string> bucket = http::PercentDecode(path.substr(0, slash), false);
  if (!bucket.ok()) return bucket.status();
  target.bucket = *std::move(bucket);
  if (slash != std::string_view::npos) {
    absl::StatusOr<std::string> key = http::PercentDecode(path.substr(slash + 1), false);
    if (!key.ok()) return key.status();
    target.key = *std::move(key);
  }
  return target;
}

Classified Classify(std::string_view method, const S3Target& target, const http::HeaderList& query,
                    bool has_copy_source) {
  for (const Unsupported& u : kUnsupported) {
    if ((u.method == "*" || u.method == method) && Has(query, u.subresource)) {
      return {Op::kNotImplemented, std::string(u.operation)};
    }
  }
  if (target.bucket.empty()) return Service(method);
  if (target.key.empty()) return Bucket(method, query);
  return Object(method, query, has_copy_source);
}

}  // namespace datamesh::gateway::s3
