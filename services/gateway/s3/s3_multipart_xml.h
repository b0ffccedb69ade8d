// The XML of S3 multipart uploads: the CompleteMultipartUpload request body read, and the
// answers written (InitiateMultipartUploadResult, CompleteMultipartUploadResult, CopyPartResult,
// ListPartsResult, ListMultipartUploadsResult). The documents only: the handlers that call
// FileService are s3_multipart_parts.cc and s3_multipart_uploads.cc.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "datamesh/file/v1/file.pb.h"
#include "services/gateway/s3/s3_error.h"

namespace datamesh::gateway::s3 {

inline constexpr uint32_t kMaxPartNumber = 10000;

// The part list of a CompleteMultipartUpload body, in the order given, each ETag reduced to
// its 32 lowercase hex digits (quotes and spaces around it dropped). MalformedXML: not XML, not
// <CompleteMultipartUpload>, no part, a part without PartNumber or ETag, a part number that is
// not an integer in 1..10000. InvalidPartOrder: part numbers not strictly ascending.
// InvalidPart: an ETag that is not an MD5 (no part can have it). Elements S3 allows beside
// them (checksums) are ignored.
std::variant<std::vector<file::v1::CompletedPart>, S3Error> ParseCompleteMultipartUpload(
    std::string_view body);

// Who started an upload and owns it: the caller (S3's Initiator and Owner).
struct UploadOwner {
  std::string id;
  std::string display_name;
};

std::string InitiateResultXml(std::string_view bucket, std::string_view key,
                              std::string_view upload_id);

// `location` is the object's URL; `etag` quoted, as the ETag header carries it.
std::string CompleteResultXml(std::string_view location, std::string_view bucket,
                              std::string_view key, std::string_view etag);

std::string CopyPartResultXml(const file::v1::MultipartPart& part);

// What a ListParts request asked, echoed in its answer.
struct ListPartsQuery {
  std::string bucket;
  std::string key;
  std::string upload_id;
  uint32_t part_number_marker = 0;
  uint32_t max_parts = 1000;
};

std::string ListPartsXml(const ListPartsQuery& query, const UploadOwner& owner,
                         const file::v1::ListPartsResponse& page);

// What a ListMultipartUploads request asked, echoed in its answer.
struct ListUploadsQuery {
  std::string bucket;
  std::string prefix;
  std::string key_marker;
  std::string upload_id_marker;
  uint32_t max_uploads = 1000;
};

// Keys are the names without "<bucket>/".
std::string ListUploadsXml(const ListUploadsQuery& query, const UploadOwner& owner,
                           const file::v1::ListMultipartUploadsResponse& page);

}  // namespace datamesh::gateway::s3
