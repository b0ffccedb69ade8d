// What the S3 multipart handlers (s3_multipart_parts.cc, s3_multipart_uploads.cc) share: the
// request's part number and copy range read as S3 reads them, and the check that ?uploadId
// names an upload of the caller for the request's bucket and key.
//
// An upload lives in file-ingest (FileService.CreateMultipartUpload ... AbortMultipartUpload,
// proto/datamesh/file/v1/file.proto); the edge keeps nothing between requests.
//
// Thread safety: pure functions, except RequireUpload, which answers on its call's writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "services/gateway/s3/s3_context.h"
#include "services/gateway/s3/s3_multipart_xml.h"

namespace datamesh::gateway::s3 {

// ?partNumber: an integer in 1..10000, else InvalidArgument.
std::variant<uint32_t, S3Error> ParsePartNumber(std::optional<std::string_view> value);

// The bytes of a copy source an UploadPartCopy takes.
struct CopyRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// x-amz-copy-source-range ("bytes=first-last", both inclusive) over a source of `size` bytes;
// absent: the whole source. InvalidArgument when malformed, InvalidRange when it does not lie
// within the source.
std::variant<CopyRange, S3Error> ParseCopySourceRange(std::optional<std::string_view> value,
                                                      uint64_t size);

// The upload ?uploadId names, when it is the caller's and of the request's bucket and key;
// otherwise answers NoSuchUpload (or the error that prevented the check) and returns nullopt.
// With `or_finished`, an upload file-ingest no longer knows (completed, aborted, never made)
// passes too: a retried Complete must reach file-ingest, which answers it again.
std::optional<std::string> RequireUpload(const S3Call& c, bool or_finished = false);

// The caller as S3's Initiator and Owner of its uploads.
UploadOwner OwnerOf(const S3Call& c);

}  // namespace datamesh::gateway::s3
