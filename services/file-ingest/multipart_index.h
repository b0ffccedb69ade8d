// Segment indexes and ETags of S3 multipart uploads.
//
// A multipart upload is one content (one data key, one nonce prefix) written in parts, and the
// AES-GCM nonce of a segment is the prefix and the segment's index: an index reused under the
// same key would break GCM outright. So every UploadPart call takes a fresh attempt number from
// its upload (never reused, even for a failed call), and its segments are numbered
//
//   index = part_number << 40 | attempt << 20 | i      (i: the segment within the part)
//
// Ordering a completed content's segments by index is then object order (one attempt of each
// listed part survives). A plain upload numbers its segments 0, 1, ... (below 2^40), so an
// index tells which kind of content it belongs to. Part segments are sealed non-final (which
// part is last is known only at Complete); the manifest's strictly ascending segment list, with
// sizes adding up to the file's, is what says where such an object ends.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::file_ingest {

inline constexpr int kPartShift = 40;
inline constexpr int kAttemptShift = 20;
// Segments one part may hold, and UploadPart calls one upload may make.
inline constexpr uint64_t kMaxSegmentsPerPart = uint64_t{1} << kAttemptShift;
inline constexpr uint64_t kMaxPartAttempts = uint64_t{1} << (kPartShift - kAttemptShift);
// S3's part numbers.
inline constexpr uint32_t kMaxPartNumber = 10000;

// The first segment index of `attempt` of part `part_number` (1..kMaxPartNumber).
uint64_t PartSegmentBase(uint32_t part_number, uint64_t attempt);
// The bounds [first, end) of every segment index `attempt` of a part may use.
uint64_t PartSegmentEnd(uint32_t part_number, uint64_t attempt);
// Whether a segment belongs to a multipart content.
inline bool IsPartSegment(uint64_t index) { return (index >> kPartShift) != 0; }
// Whether the segment at `index` of a content of `segment_count` segments was sealed final.
inline bool SealedFinal(uint64_t index, uint64_t segment_count) {
  return !IsPartSegment(index) && index + 1 == segment_count;
}
// OUT_OF_RANGE when a part's stream reaches its kMaxSegmentsPerPart-th segment.
[[nodiscard]] absl::Status CheckPartSegment(uint64_t index_in_part);

// S3's ETag of a multipart object: MD5 of the concatenated binary part MD5s, "-", the part
// count ("9b2cf535f27731c974343645a3985328-3"). INVALID_ARGUMENT: a part MD5 is not 32 hex.
[[nodiscard]] absl::StatusOr<std::string> MultipartEtag(const std::vector<std::string>& part_md5s);
// What a multipart file keeps as File.sha256 (the REST ETag): SHA-256 of the concatenated
// binary part SHA-256s, "-", the part count. The object's own SHA-256 would need a pass over
// every byte after Complete; this one is honest (it is not 64 hex, so nothing takes it for the
// object's hash, and deduplication never matches it). INVALID_ARGUMENT as MultipartEtag.
[[nodiscard]] absl::StatusOr<std::string> MultipartSha256(
    const std::vector<std::string>& part_sha256s);

}  // namespace datamesh::file_ingest
