#include "tools/thrash/load_plan.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace datamesh::thrash {

const char* OperationName(Operation op) {
  switch (op) {
    case Operation::kUpload: return "upload";
    case Operation::kDelete: return "delete";
    case Operation::kDownload: return "download";
    case Operation::kDownloadRange: return "download-range";
    case Operation::kCheckDeletedGone: return "check-deleted-gone";
  }
  return "?";
}

Operation PickOperation(Rng& rng, const Mix& mix) {
  const int64_t roll = rng.Between(0, 99);
  if (mix.live_files == 0) return Operation::kUpload;
  if (mix.live_files >= mix.max_live_files) return Operation::kDelete;
  if (roll < 40) return Operation::kUpload;
  if (roll < 52) return Operation::kDelete;
  if (roll < 78) return Operation::kDownload;
  if (roll < 94 || mix.deleted_files == 0) return Operation::kDownloadRange;
  return Operation::kCheckDeletedGone;
}

uint64_t PickFileSize(Rng& rng, int big_percent) {
  const int64_t roll = rng.Between(0, 99);
  if (roll < 8) return 0;
  if (roll < 40) return static_cast<uint64_t>(rng.Between(1, 64 << 10));
  if (roll < 60) {
    const int64_t boundary = rng.Between(1, 2) * static_cast<int64_t>(kSegmentBytes);
    return static_cast<uint64_t>(boundary + rng.Between(-3, 3));
  }
  if (roll < 100 - big_percent) return static_cast<uint64_t>(rng.Between(64 << 10, 6 << 20));
  return static_cast<uint64_t>(static_cast<int64_t>(kBigFileBytes) +
                               rng.Between(-(512 << 10), 512 << 10));
}

ByteRange PickRange(Rng& rng, uint64_t size) {
  const auto last = static_cast<int64_t>(size) - 1;
  ByteRange r;
  if (size > kSegmentBytes && rng.Percent(50)) {
    const auto boundary = static_cast<int64_t>(kSegmentBytes) *
                          rng.Between(1, last / static_cast<int64_t>(kSegmentBytes));
    r.offset = static_cast<uint64_t>(std::max<int64_t>(0, boundary - rng.Between(1, 100'000)));
  } else {
    r.offset = static_cast<uint64_t>(rng.Between(0, last));
  }
  const auto most = static_cast<int64_t>(std::min<uint64_t>(size - r.offset, uint64_t{6} << 20));
  r.length = static_cast<uint64_t>(rng.Between(1, most));
  return r;
}

std::string FileName(int client, uint64_t number) {
  return absl::StrCat("thrash-c", client, "-f", number, ".bin");
}

std::optional<FileNumber> ParseFileName(const std::string& name) {
  absl::string_view rest = name;
  if (!absl::ConsumePrefix(&rest, "thrash-c") || !absl::ConsumeSuffix(&rest, ".bin")) {
    return std::nullopt;
  }
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(rest, "-f");
  FileNumber n;
  if (!absl::SimpleAtoi(parts.first, &n.client) || !absl::SimpleAtoi(parts.second, &n.number)) {
    return std::nullopt;
  }
  // Only the spelling FileName gives ("+1", "01" and the like name no file of ours).
  if (FileName(n.client, n.number) != name) return std::nullopt;
  return n;
}

}  // namespace datamesh::thrash
