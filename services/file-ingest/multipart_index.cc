#include "services/file-ingest/multipart_index.h"

#include "absl/strings/str_cat.h"
#include "services/file-ingest/object_md5.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

// The binary digests of `hexes` (each `bytes` long), concatenated.
absl::StatusOr<std::string> ConcatDigests(const std::vector<std::string>& hexes, size_t bytes) {
  std::string out;
  for (const std::string& hex : hexes) {
    absl::StatusOr<std::string> raw = crypto::HexDecode(hex);
    if (!raw.ok() || raw->size() != bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("a part digest must be ", 2 * bytes, " hex characters"));
    }
    out += *raw;
  }
  return out;
}

}  // namespace

uint64_t PartSegmentBase(uint32_t part_number, uint64_t attempt) {
  return (uint64_t{part_number} << kPartShift) | (attempt << kAttemptShift);
}

uint64_t PartSegmentEnd(uint32_t part_number, uint64_t attempt) {
  return PartSegmentBase(part_number, attempt) + kMaxSegmentsPerPart;
}

absl::Status CheckPartSegment(uint64_t index_in_part) {
  if (index_in_part >= kMaxSegmentsPerPart) {
    return absl::OutOfRangeError(
        absl::StrCat("a part may hold at most ", kMaxSegmentsPerPart, " segments"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MultipartEtag(const std::vector<std::string>& part_md5s) {
  ASSIGN_OR_RETURN(std::string joined, ConcatDigests(part_md5s, 16));
  ASSIGN_OR_RETURN(std::unique_ptr<Md5Stream> md5, Md5Stream::Create());
  md5->Update(joined);
  ASSIGN_OR_RETURN(std::string hex, md5->FinishHex());
  return absl::StrCat(hex, "-", part_md5s.size());
}

absl::StatusOr<std::string> MultipartSha256(const std::vector<std::string>& part_sha256s) {
  ASSIGN_OR_RETURN(std::string joined, ConcatDigests(part_sha256s, 32));
  ASSIGN_OR_RETURN(crypto::Sha256Digest digest, crypto::Sha256(joined));
  return absl::StrCat(crypto::HexEncode(crypto::AsStringView(digest)), "-", part_sha256s.size());
}

}  // namespace datamesh::file_ingest
