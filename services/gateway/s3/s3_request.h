// What an S3 request addresses and asks: the bucket and key (path style `/{bucket}/{key}`, or
// virtual-host style `{bucket}.{domain}/{key}` when a domain is configured), and the operation,
// told apart by method, subresource query parameters and a few headers as S3 does.
//
// Operations this edge does not serve (ACLs, policies, versioning changes, lifecycle, tagging,
// CORS, ...) classify as kNotImplemented with the operation's name, so the
// client gets 501 NotImplemented and never a silent success.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/gateway/http/request.h"

namespace datamesh::gateway::s3 {

struct S3Target {
  std::string bucket;  // empty: the service (ListBuckets)
  std::string key;     // decoded; empty: the bucket itself
};

// `raw_path` is percent-encoded as on the wire; `host` the Host header (port ignored);
// `domain` the configured virtual-host domain (empty: path style only). INVALID_ARGUMENT for a
// malformed escape.
[[nodiscard]] absl::StatusOr<S3Target> ParseTarget(std::string_view raw_path, std::string_view host,
                                                   std::string_view domain);

enum class Operation {
  kListBuckets,
  kCreateBucket,
  kHeadBucket,
  kDeleteBucket,
  kGetBucketLocation,
  kGetBucketVersioning,
  kListObjects,
  kListObjectsV2,
  kListObjectVersions,
  kDeleteObjects,
  kPutObject,
  kCopyObject,
  kGetObject,
  kHeadObject,
  kDeleteObject,
  kCreateMultipartUpload,
  kUploadPart,
  kUploadPartCopy,
  kListParts,
  kListMultipartUploads,
  kCompleteMultipartUpload,
  kAbortMultipartUpload,
  kNotImplemented,
};

struct Classified {
  Operation operation = Operation::kNotImplemented;
  std::string name;  // S3's name of the operation ("PutObject"), for logs and NotImplemented
};

// `query` is the request's decoded query; `method` as received (HEAD included).
Classified Classify(std::string_view method, const S3Target& target, const http::HeaderList& query,
                    bool has_copy_source);

}  // namespace datamesh::gateway::s3
