// ShardStore: opening, the start of a put, reads and usage. Commits and deletes (the changes to
// shard files) are in shard_store_commit.cc; the scan, listing and scrub in shard_store_scan.cc.
#include "services/chunk-store/shard_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "services/chunk-store/shard_store_internal.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::chunk_store {

using internal::DigestOf;

absl::Status ValidateShardId(std::string_view id) {
  if (id.size() != 2 * crypto::kSha256Size) {
    return absl::InvalidArgumentError("shard id must be 64 lowercase hex characters");
  }
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return absl::InvalidArgumentError("shard id must be 64 lowercase hex characters");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ShardStore>> ShardStore::Open(const ShardStoreOptions& options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data folder not set");
  std::unique_ptr<ShardStore> store(new ShardStore(options));
  RETURN_IF_ERROR(store->Init(options.capacity_bytes));
  return store;
}

ShardStore::ShardStore(const ShardStoreOptions& options)
    : dir_(options.data_dir),
      fsync_dir_(options.fsync_dir_for_test ? options.fsync_dir_for_test : FsyncDir) {}

ShardStore::~ShardStore() = default;

absl::Status ShardStore::SyncDir(const std::string& dir) const { return fsync_dir_(dir); }

absl::Status ShardStore::Init(uint64_t capacity_bytes) {
  std::error_code ec;
  for (const char* sub : {"", "/shards", "/tmp"}) {
    std::filesystem::create_directories(dir_ + sub, ec);
    if (ec)
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create ", dir_, sub, ": ", ec.message()));
  }
  lock_fd_.reset(::open((dir_ + "/LOCK").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
  if (!lock_fd_.valid() || ::flock(lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "data folder ", dir_, " is in use by another process: ", std::strerror(errno)));
  }
  // Temporary files are only ever half-written shards of a previous process: never valid.
  std::filesystem::remove_all(dir_ + "/tmp", ec);
  std::filesystem::create_directories(dir_ + "/tmp", ec);
  if (ec) return absl::FailedPreconditionError(absl::StrCat("cannot reset ", dir_, "/tmp"));
  // shards/ may have just been created: its entry must be durable before any shard is.
  RETURN_IF_ERROR(SyncDir(dir_));
  RETURN_IF_ERROR(ScanShards());
  capacity_ = capacity_bytes;
  if (capacity_ == 0) {
    struct statvfs vfs;
    if (::statvfs(dir_.c_str(), &vfs) != 0) return ErrnoStatus(errno, "statvfs " + dir_);
    capacity_ = used_ + static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  }
  log::Info("shard store open", {{"dir", dir_},
                                 {"shards", static_cast<uint64_t>(index_.size())},
                                 {"used_bytes", used_},
                                 {"capacity_bytes", capacity_}});
  return absl::OkStatus();
}

std::string ShardStore::ShardPath(std::string_view id) const {
  return absl::StrCat(dir_, "/shards/", absl::string_view(id.data(), 2), "/",
                      absl::string_view(id.data() + 2, 2), "/",
                      absl::string_view(id.data(), id.size()));
}

absl::StatusOr<std::unique_ptr<ShardWriter>> ShardStore::BeginPut(std::string_view id,
                                                                  uint64_t size) {
  RETURN_IF_ERROR(ValidateShardId(id));
  std::unique_ptr<ShardWriter> writer(new ShardWriter(this, std::string(id), size));
  if (RefreshIfHeld(id)) {
    writer->discard_ = true;
    return writer;
  }
  RETURN_IF_ERROR(Reserve(size));
  writer->reserved_ = true;
  const uint64_t counter = ++temp_counter_;
  writer->temp_path_ =
      absl::StrCat(dir_, "/tmp/", absl::string_view(id.data(), id.size()), ".", counter, ".tmp");
  writer->fd_.reset(
      ::open(writer->temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (!writer->fd_.valid()) {
    absl::Status s = ErrnoStatus(errno, "create temporary shard file");
    writer->temp_path_.clear();
    NoteWriteResult(s);
    return absl::UnavailableError(s.message());
  }
  ASSIGN_OR_RETURN(crypto::Sha256Hasher hasher, crypto::Sha256Hasher::Create());
  writer->hasher_.emplace(std::move(hasher));
  return writer;
}

// Whether shard `id` is held, refreshing its stored time if so: that tells a garbage collector
// it is wanted again. The file's time is set without the lock; false when the shard is not held
// or was removed meanwhile (the put then writes it).
bool ShardStore::RefreshIfHeld(std::string_view id) {
  const crypto::Sha256Digest key = DigestOf(id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!index_.contains(key)) return false;
  }
  if (::utimensat(AT_FDCWD, ShardPath(id).c_str(), nullptr, 0) != 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  it->second.mtime_ns = absl::ToUnixNanos(absl::Now());
  return true;
}

// Counts `size` bytes as reserved unless stored + reserved bytes would pass the capacity.
absl::Status ShardStore::Reserve(uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  if (size > capacity_ || used_ + reserved_ > capacity_ - size) {
    return absl::ResourceExhaustedError(
        absl::StrCat("node capacity exceeded: ", size, " bytes asked, ",
                     capacity_ - std::min(capacity_, used_ + reserved_), " free"));
  }
  reserved_ += size;
  return absl::OkStatus();
}

absl::StatusOr<PutResult> ShardStore::Put(std::string_view id, std::string_view content) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardWriter> writer, BeginPut(id, content.size()));
  RETURN_IF_ERROR(writer->Append(content));
  return writer->Commit();
}

void ShardStore::ReleaseReservation(uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  reserved_ -= size;
}

void ShardStore::NoteWriteResult(const absl::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  write_failed_ = !status.ok();
}

absl::StatusOr<std::unique_ptr<ShardReader>> ShardStore::OpenShard(std::string_view id) const {
  RETURN_IF_ERROR(ValidateShardId(id));
  ASSIGN_OR_RETURN(bool held, Has(id));
  if (!held) return absl::NotFoundError("shard not held");
  UniqueFd fd(::open(ShardPath(id).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return absl::NotFoundError("shard not held");  // deleted meanwhile
    return ErrnoStatus(errno, "open shard");
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat shard");
  return std::unique_ptr<ShardReader>(
      new ShardReader(std::move(fd), static_cast<uint64_t>(st.st_size)));
}

absl::StatusOr<size_t> ShardReader::ReadAt(uint64_t offset, char* out, size_t n) const {
  return PreadFull(fd_.get(), offset, out, n);
}

absl::StatusOr<bool> ShardStore::Has(std::string_view id) const {
  RETURN_IF_ERROR(ValidateShardId(id));
  std::lock_guard<std::mutex> lock(mu_);
  return index_.contains(DigestOf(id));
}

StoreUsage ShardStore::Usage() const {
  std::lock_guard<std::mutex> lock(mu_);
  return StoreUsage{capacity_, used_, reserved_, static_cast<uint64_t>(index_.size())};
}

StoreCondition ShardStore::Condition() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (used_ >= capacity_) return StoreCondition::kReadOnly;
  if (write_failed_ || !corrupt_.empty()) return StoreCondition::kDegraded;
  return StoreCondition::kOk;
}

}  // namespace datamesh::chunk_store
