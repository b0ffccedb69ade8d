// S3 object metadata: what a PutObject (or a CopyObject with REPLACE) keeps with the file, and
// the headers a GetObject / HeadObject answers from it.
//
// Kept (File.object_metadata, keys lowercase): every x-amz-meta-* header, and
// content-disposition, content-encoding (without the transport's "aws-chunked"), cache-control,
// content-language and expires. Content-Type is the file's content type. At most 2 KiB of keys
// and values in all, as S3 (MetadataTooLarge past it).
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <variant>

#include "datamesh/file/v1/file.pb.h"
#include "services/gateway/http/request.h"
#include "services/gateway/s3/auth/s3_error.h"

namespace datamesh::gateway::s3 {

inline constexpr size_t kMaxMetadataBytes = 2048;

using ObjectMetadata = std::map<std::string, std::string>;

// The metadata `request`'s headers carry.
std::variant<ObjectMetadata, S3Error> MetadataFromHeaders(const http::Request& request);

// Content-Type, ETag, Last-Modified, the kept metadata, and the response-* overrides a
// (presigned) GET may ask for in its query.
void SetObjectHeaders(const file::v1::File& file, const http::Request& request,
                      http::ResponseWriter& w);

}  // namespace datamesh::gateway::s3
