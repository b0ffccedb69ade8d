// Fuzz target: a download's Range header (services/gateway/transfer/byte_range.h) and the
// segment slices file-ingest cuts the chosen range into (services/file-ingest/byte_range.h).
//
// Input (text):
//   line 1: the file's size in bytes (decimal)
//   line 2: the Range header value; no second line means the request had no Range header
//   line 3 (optional): segment sizes (decimal, spaces); when given, the file is exactly those
//           segments and line 1 is ignored
//
// Invariants: no header means the whole file; a partial range is non-empty and lies inside the
// file; writing it back as "bytes=first-last" parses to the same range; an empty file is never
// partial; the slices of a range cover exactly its bytes, in order, each inside its segment.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "services/file-ingest/byte_range.h"
#include "services/gateway/transfer/byte_range.h"

namespace {

using datamesh::file_ingest::SegmentSlice;
using datamesh::file_ingest::SlicesForRange;
using datamesh::gateway::ParseRange;
using datamesh::gateway::RangeRequest;

// Segments of up to 1 TiB each, and at most 4096 of them: sums cannot overflow.
constexpr uint64_t kMaxSegment = uint64_t{1} << 40;
constexpr size_t kMaxSegments = 4096;

void CheckSlices(const std::vector<uint64_t>& segments, uint64_t offset, uint64_t length) {
  const std::vector<SegmentSlice> slices = SlicesForRange(segments, offset, length);
  std::vector<uint64_t> starts;  // file offset of each segment
  uint64_t start = 0;
  for (uint64_t s : segments) {
    starts.push_back(start);
    start += s;
  }
  uint64_t covered = 0;
  uint64_t next_file_offset = offset;
  std::optional<uint64_t> last_index;
  for (const SegmentSlice& s : slices) {
    FUZZ_CHECK(s.index < segments.size());
    FUZZ_CHECK(!last_index || s.index > *last_index);
    FUZZ_CHECK(s.begin < s.end && s.end <= segments[s.index]);
    // Contiguous: each slice starts where the previous one ended.
    FUZZ_CHECK(starts[s.index] + s.begin == next_file_offset);
    next_file_offset = starts[s.index] + s.end;
    covered += s.end - s.begin;
    last_index = s.index;
  }
  FUZZ_CHECK(covered == length);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = datamesh::fuzz::AsText(data, size);
  const bool has_header = text.find('\n') != std::string_view::npos;
  const std::vector<uint64_t> size_line =
      datamesh::fuzz::Numbers(datamesh::fuzz::TakeLine(text), UINT64_MAX);
  uint64_t file_size = size_line.empty() ? 0 : size_line.front();
  std::optional<std::string_view> header;
  if (has_header) header = datamesh::fuzz::TakeLine(text);
  std::optional<std::vector<uint64_t>> segments;
  if (!text.empty()) {
    segments = datamesh::fuzz::Numbers(datamesh::fuzz::TakeLine(text), kMaxSegment);
    if (segments->size() > kMaxSegments) segments->resize(kMaxSegments);
    file_size = 0;
    for (uint64_t s : *segments) file_size += s;
  }

  const RangeRequest range = ParseRange(header, file_size);
  if (!header) FUZZ_CHECK(range.kind == RangeRequest::Kind::kWhole);
  if (range.kind == RangeRequest::Kind::kPartial) {
    FUZZ_CHECK(range.length > 0);
    FUZZ_CHECK(range.offset < file_size);
    FUZZ_CHECK(range.length <= file_size - range.offset);
    // The 206's Content-Range names the same bytes when sent back as a Range.
    const std::string again = "bytes=" + std::to_string(range.offset) + "-" +
                              std::to_string(range.offset + range.length - 1);
    const RangeRequest reparsed = ParseRange(again, file_size);
    FUZZ_CHECK(reparsed.kind == RangeRequest::Kind::kPartial);
    FUZZ_CHECK(reparsed.offset == range.offset && reparsed.length == range.length);
  }
  if (file_size == 0) FUZZ_CHECK(range.kind != RangeRequest::Kind::kPartial);

  if (segments) {
    if (range.kind == RangeRequest::Kind::kPartial) {
      CheckSlices(*segments, range.offset, range.length);
    } else if (range.kind == RangeRequest::Kind::kWhole) {
      CheckSlices(*segments, 0, file_size);
    }
  }
  return 0;
}
