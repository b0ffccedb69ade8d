// The source of a server-side copy (x-amz-copy-source), shared by CopyObject
// (s3_put_object.cc) and UploadPartCopy (s3_multipart_parts.cc): its parsing, and the checks
// S3 makes of it (the caller's bucket, an existing key, x-amz-copy-source-if-* conditions).
//
// Thread safety: as S3Call (one request's thread).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "datamesh/file/v1/file.pb.h"
#include "services/gateway/s3/s3_context.h"

namespace datamesh::gateway::s3 {

struct CopySource {
  std::string bucket;
  std::string key;
};

// "[/]bucket/key[?versionId=null]", percent-encoded as sent. InvalidArgument when it does not
// name a bucket and a key; NotImplemented for another version.
std::variant<CopySource, S3Error> ParseCopySource(std::string_view raw);

// The stat'ed source of a copy, once its bucket, key and conditions passed; otherwise answers
// on `c.w` (NoSuchBucket, AccessDenied, NoSuchKey, 412 PreconditionFailed) and returns nullopt.
std::optional<file::v1::File> RequireSource(const S3Call& c, const CopySource& from);

}  // namespace datamesh::gateway::s3
