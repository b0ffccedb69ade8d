// The load generator's choices, drawn from a client's Rng: which operation next, what size a
// new file has, which range a ranged download asks for, and what a file is called. Pure, so the
// mix is unit-tested and replays with the seed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tools/thrash/rng.h"

namespace datamesh::thrash {

// file-ingest's default segment (--segment-bytes): sizes and ranges straddle its boundaries.
inline constexpr uint64_t kSegmentBytes = uint64_t{4} << 20;
inline constexpr uint64_t kBigFileBytes = uint64_t{20} << 20;

enum class Operation { kUpload, kDelete, kDownload, kDownloadRange, kCheckDeletedGone };
const char* OperationName(Operation op);

struct Mix {
  int live_files = 0;     // acknowledged and not deleted
  int deleted_files = 0;  // acknowledged deletes
  int max_live_files = 40;
};

// Uploads most often, then whole and ranged downloads, deletes (always at `max_live_files`),
// and now and then a deleted file asked for again.
Operation PickOperation(Rng& rng, const Mix& mix);

// 0 B; small (1 B to 64 KiB, inline and not); a few bytes either side of one or two segment
// boundaries; up to 6 MiB; and, `big_percent` of the time, about 20 MiB.
uint64_t PickFileSize(Rng& rng, int big_percent);

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;  // at least 1
};
// A range inside a file of `size` bytes (size > 0): half the time one that straddles a segment
// boundary when the file has one.
ByteRange PickRange(Rng& rng, uint64_t size);

// "thrash-c2-f17.bin"; ParseFileName gives back {client, number}, nullopt for other names.
std::string FileName(int client, uint64_t number);
struct FileNumber {
  int client = 0;
  uint64_t number = 0;
};
std::optional<FileNumber> ParseFileName(const std::string& name);

}  // namespace datamesh::thrash
