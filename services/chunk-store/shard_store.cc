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
  std::unique_ptr<ShardStore> store(new ShardStore(options.data_dir));
  RETURN_IF_ERROR(store->Init(options.capacity_bytes));
  return store;
}

ShardStore::~ShardStore() = default;

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
  uint64_t counter;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(DigestOf(id));
    // Refreshing the time of a held shard tells a garbage collector it is wanted again.
    if (it != index_.end() && ::utimensat(AT_FDCWD, ShardPath(id).c_str(), nullptr, 0) == 0) {
      it->second.mtime_ns = absl::ToUnixNanos(absl::Now());
      writer->discard_ = true;
      return writer;
    }
    if (size > capacity_ || used_ + reserved_ > capacity_ - size) {
      return absl::ResourceExhaustedError(
          absl::StrCat("node capacity exceeded: ", size, " bytes asked, ",
                       capacity_ - std::min(capacity_, used_ + reserved_), " free"));
    }
    reserved_ += size;
    writer->reserved_ = true;
    counter = ++temp_counter_;
  }
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

absl::StatusOr<PutResult> ShardStore::Put(std::string_view id, std::string_view content) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardWriter> writer, BeginPut(id, content.size()));
  RETURN_IF_ERROR(writer->Append(content));
  return writer->Commit();
}

ShardWriter::ShardWriter(ShardStore* store, std::string id, uint64_t size)
    : store_(store), id_(std::move(id)), size_(size) {}

ShardWriter::~ShardWriter() {
  fd_.reset();
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  if (reserved_) store_->ReleaseReservation(size_);
}

absl::Status ShardWriter::Append(std::string_view data) {
  if (finished_) return absl::FailedPreconditionError("shard writer already finished");
  if (data.size() > size_ - written_) {
    finished_ = true;
    return absl::InvalidArgumentError(
        absl::StrCat("shard data exceeds the declared size of ", size_, " bytes"));
  }
  written_ += data.size();
  if (discard_) return absl::OkStatus();
  hasher_->Update(data);
  absl::Status s = WriteAll(fd_.get(), data);
  if (!s.ok()) {
    finished_ = true;
    store_->NoteWriteResult(s);
    return absl::UnavailableError(s.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<PutResult> ShardWriter::Commit() {
  if (finished_) return absl::FailedPreconditionError("shard writer already finished");
  finished_ = true;
  if (written_ != size_) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard has ", written_, " bytes, declared ", size_));
  }
  if (discard_) {
    ASSIGN_OR_RETURN(bool held, store_->Has(id_));
    if (!held) return absl::AbortedError("shard was deleted during the put; retry");
    return PutResult{size_, true};
  }
  ASSIGN_OR_RETURN(crypto::Sha256Digest digest, hasher_->Finish());
  if (digest != DigestOf(id_)) {
    return absl::InvalidArgumentError("shard content does not match its id (SHA-256)");
  }
  if (::fsync(fd_.get()) != 0) {
    absl::Status s = ErrnoStatus(errno, "fsync shard");
    store_->NoteWriteResult(s);
    return absl::UnavailableError(s.message());
  }
  fd_.reset();
  bool already_present = false;
  absl::Status s = store_->CommitWriter(*this, &already_present);
  store_->NoteWriteResult(s);
  if (!s.ok()) return absl::UnavailableError(s.message());
  return PutResult{size_, already_present};
}

absl::Status ShardStore::CommitWriter(ShardWriter& writer, bool* already_present) {
  const std::string final_path = ShardPath(writer.id_);
  const std::string level1 = final_path.substr(0, dir_.size() + 10);  // <dir>/shards/ab
  const std::string level2 = final_path.substr(0, dir_.size() + 13);  // <dir>/shards/ab/cd
  bool created1 = false;
  bool created2 = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reserved_ -= writer.size_;
    writer.reserved_ = false;
    const crypto::Sha256Digest key = DigestOf(writer.id_);
    if (index_.contains(key)) {  // a concurrent put of the same shard won the race
      *already_present = true;
      return absl::OkStatus();  // the destructor removes the temporary file
    }
    RETURN_IF_ERROR(MakeDir(level1, &created1));
    RETURN_IF_ERROR(MakeDir(level2, &created2));
    if (::rename(writer.temp_path_.c_str(), final_path.c_str()) != 0) {
      return ErrnoStatus(errno, "rename shard into place");
    }
    writer.temp_path_.clear();
    index_[key] = Entry{writer.size_, absl::ToUnixNanos(absl::Now())};
    used_ += writer.size_;
  }
  // Outside the lock: fsyncs take milliseconds and must not serialise unrelated puts.
  if (created1) RETURN_IF_ERROR(FsyncDir(dir_ + "/shards"));
  if (created2) RETURN_IF_ERROR(FsyncDir(level1));
  return FsyncDir(level2);
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

absl::StatusOr<bool> ShardStore::Delete(std::string_view id) {
  RETURN_IF_ERROR(ValidateShardId(id));
  const std::string path = ShardPath(id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(DigestOf(id));
    if (it == index_.end()) return false;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(errno, "unlink shard");
    used_ -= it->second.size;
    corrupt_.erase(it->first);
    index_.erase(it);
  }
  RETURN_IF_ERROR(FsyncDir(path.substr(0, path.size() - id.size() - 1)));
  return true;
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
