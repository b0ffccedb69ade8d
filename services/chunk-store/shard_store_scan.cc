// The parts of ShardStore that walk many shards: the start-up scan, listing and scrubbing.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/chunk-store/shard_store.h"
#include "services/chunk-store/shard_store_internal.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::chunk_store {
namespace {

using internal::DigestOf;
using internal::IdOf;

constexpr size_t kScrubReadSize = 1 << 20;
constexpr uint32_t kMaxScrubShards = 10000;

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// A fan-out folder name: two lowercase hex digits.
bool IsHexPair(const std::string& name) {
  return name.size() == 2 && IsHexDigit(name[0]) && IsHexDigit(name[1]);
}

// Names in `dir` (no "." / ".."); NOT_FOUND when the folder does not exist.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "open directory " + dir);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  return names;
}

int64_t MtimeNanos(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

absl::Status ShardStore::ScanShards() {
  ASSIGN_OR_RETURN(std::vector<std::string> level1, ListDir(dir_ + "/shards"));
  for (const std::string& a : level1) {
    if (!IsHexPair(a)) continue;
    ASSIGN_OR_RETURN(std::vector<std::string> level2, ListDir(dir_ + "/shards/" + a));
    for (const std::string& b : level2) {
      if (IsHexPair(b)) RETURN_IF_ERROR(ScanFanOut(dir_ + "/shards/" + a + "/" + b, a + b));
    }
  }
  return absl::OkStatus();
}

// Indexes the shards of one fan-out folder: stat only; content is checked by Scrub.
absl::Status ShardStore::ScanFanOut(const std::string& sub, const std::string& prefix) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(sub));
  UniqueFd dir_fd(::open(sub.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) return ErrnoStatus(errno, "open directory " + sub);
  for (const std::string& name : names) {
    struct stat st;
    if (!ValidateShardId(name).ok() || name.compare(0, 4, prefix) != 0 ||
        ::fstatat(dir_fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode)) {
      log::Warn("ignoring a foreign file among shards", {{"path", sub + "/" + name}});
      continue;
    }
    index_[DigestOf(name)] = Entry{static_cast<uint64_t>(st.st_size), MtimeNanos(st)};
    used_ += static_cast<uint64_t>(st.st_size);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<crypto::Sha256Digest>> ShardStore::ParseCursor(std::string_view c) {
  if (c.empty()) return std::optional<crypto::Sha256Digest>();
  if (!ValidateShardId(c).ok()) return absl::InvalidArgumentError("bad cursor");
  return std::optional<crypto::Sha256Digest>(DigestOf(c));
}

absl::StatusOr<ListPage> ShardStore::List(std::string_view cursor, uint32_t limit,
                                          std::optional<absl::Time> stored_before) const {
  ASSIGN_OR_RETURN(std::optional<crypto::Sha256Digest> after, ParseCursor(cursor));
  const int64_t before_ns = stored_before ? absl::ToUnixNanos(*stored_before) : INT64_MAX;
  const uint64_t max_examined = uint64_t{std::max<uint32_t>(limit, 1)} * 10;
  ListPage page;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = after ? index_.upper_bound(*after) : index_.begin();
  uint64_t examined = 0;
  for (; it != index_.end() && page.shards.size() < limit && examined < max_examined; ++it) {
    ++examined;
    if (it->second.mtime_ns >= before_ns) continue;
    page.shards.push_back(
        ShardInfo{IdOf(it->first), it->second.size, absl::FromUnixNanos(it->second.mtime_ns)});
  }
  if (it != index_.end() && examined > 0) page.next_cursor = IdOf(std::prev(it)->first);
  return page;
}

absl::StatusOr<ScrubReport> ShardStore::Scrub(const ScrubOptions& options) {
  ASSIGN_OR_RETURN(std::optional<crypto::Sha256Digest> after, ParseCursor(options.cursor));
  const uint32_t max_shards = std::clamp<uint32_t>(options.max_shards, 1, kMaxScrubShards);
  std::vector<std::string> batch;
  bool more = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = after ? index_.upper_bound(*after) : index_.begin();
    uint64_t bytes = 0;
    for (; it != index_.end() && batch.size() < max_shards; ++it) {
      if (!batch.empty() && bytes + it->second.size > options.max_bytes) break;
      bytes += it->second.size;
      batch.push_back(IdOf(it->first));
    }
    more = it != index_.end();
  }
  // Hashing happens outside the lock: a batch may read a gigabyte.
  ScrubReport report;
  for (const std::string& id : batch) {
    uint64_t bytes = 0;
    ino_t inode = 0;
    absl::StatusOr<bool> ok = HashMatches(id, &bytes, &inode);
    if (ok.status().code() == absl::StatusCode::kNotFound) continue;  // deleted meanwhile
    ++report.shards_scanned;
    report.bytes_scanned += bytes;
    NoteScrubbed(id, !(ok.ok() && *ok));
    if (ok.ok() && *ok) continue;
    log::Warn("scrub found a corrupt shard", {{"shard_id", id}});
    report.corrupt_ids.push_back(id);
    if (options.delete_corrupt && inode != 0) DeleteIfSameFile(id, inode);
  }
  if (more && !batch.empty()) report.next_cursor = batch.back();
  return report;
}

void ShardStore::NoteScrubbed(std::string_view id, bool corrupt) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(DigestOf(id));
  if (it == index_.end()) return;
  if (corrupt) {
    corrupt_.insert(it->first);
  } else {
    corrupt_.erase(it->first);
  }
}

// Whether the shard's content hashes to its id; an unreadable shard answers false. NOT_FOUND
// when the shard is gone. Reports the bytes read and the inode hashed.
absl::StatusOr<bool> ShardStore::HashMatches(std::string_view id, uint64_t* bytes,
                                             ino_t* inode) const {
  UniqueFd fd(::open(ShardPath(id).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return absl::NotFoundError("shard gone");
    return false;
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return false;
  *inode = st.st_ino;
  ASSIGN_OR_RETURN(crypto::Sha256Hasher hasher, crypto::Sha256Hasher::Create());
  std::string buffer(kScrubReadSize, '\0');
  for (;;) {
    absl::StatusOr<size_t> n = PreadFull(fd.get(), *bytes, buffer.data(), buffer.size());
    if (!n.ok()) return false;
    if (*n == 0) break;
    hasher.Update(std::string_view(buffer.data(), *n));
    *bytes += *n;
  }
  ASSIGN_OR_RETURN(crypto::Sha256Digest digest, hasher.Finish());
  return digest == DigestOf(id);
}

// Deletes the shard only if its file is still the one that was hashed: a repair may have
// replaced it with a good copy since (which is then out of the index only for a stat).
void ShardStore::DeleteIfSameFile(std::string_view id, ino_t inode) {
  std::optional<Entry> entry = TakeShard(DigestOf(id));
  if (!entry) return;
  absl::StatusOr<bool> removed = RemoveTakenShard(id, *entry, inode);
  if (!removed.ok()) {
    log::Warn("cannot delete a corrupt shard",
              {{"shard_id", std::string(id)}, {"error", removed.status().ToString()}});
  }
}

}  // namespace datamesh::chunk_store
