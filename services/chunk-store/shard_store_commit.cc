// The changes ShardStore makes to shard files: committing a put (rename into place, fsyncs, and
// only then the index) and removing a shard (Delete, and Scrub's removal of a corrupt one).
//
// Claims: a commit or a removal claims the shard's id under mu_ before touching its file, and
// drops the claim under mu_ only once the index says what the disk now holds. Whoever finds the
// id claimed waits on claim_dropped_. The disk calls in between run without mu_. Every rename to
// a shard's path and every unlink of it happens under the id's claim, so:
//   - a commit that finds the id unclaimed and not indexed owns the path until it is done: no
//     other put renames over it, no delete unlinks the file it is still fsyncing;
//   - a put reports already_present only for an indexed shard, i.e. one whose rename and folder
//     fsyncs finished (a second put waits for the first commit rather than trusting the file);
//   - a removal's same-inode check (stat) and its unlink see the same file.
// A thread holds at most one claim and never waits for another while holding one: no deadlock.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "services/chunk-store/shard_store.h"
#include "services/chunk-store/shard_store_internal.h"
#include "shared/status/status.h"

namespace datamesh::chunk_store {

using internal::DigestOf;

namespace {

// Unlinks a shard file; a missing one counts as removed. With `inode` non-zero, only when the
// file is still that inode (false otherwise).
absl::StatusOr<bool> UnlinkShardFile(const std::string& path, ino_t inode) {
  struct stat st;
  if (inode != 0 && ::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    return ErrnoStatus(errno, "stat shard");
  }
  if (inode != 0 && st.st_ino != inode) return false;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(errno, "unlink shard");
  return true;
}

}  // namespace

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
  absl::StatusOr<bool> already_present = store_->CommitWriter(*this);
  store_->NoteWriteResult(already_present.status());
  if (!already_present.ok()) return absl::UnavailableError(already_present.status().message());
  return PutResult{size_, *already_present};
}

void ShardStore::AwaitUnclaimed(std::unique_lock<std::mutex>& lock,
                                const crypto::Sha256Digest& key) {
  claim_dropped_.wait(lock, [&] { return !claimed_.contains(key); });
}

// mu_ held. Waiters for other ids wake too, re-check and sleep again: only puts and deletes of
// an id being changed ever wait, which is rare, so one condition variable is enough.
void ShardStore::DropClaim(const crypto::Sha256Digest& key) {
  claimed_.erase(key);
  claim_dropped_.notify_all();
}

// Makes the writer's fsynced file the shard; true when another put had already stored it
// (nothing is written; the writer's destructor removes its file).
absl::StatusOr<bool> ShardStore::CommitWriter(ShardWriter& writer) {
  const crypto::Sha256Digest key = DigestOf(writer.id_);
  FanOut fan_out;
  {
    std::unique_lock<std::mutex> lock(mu_);
    AwaitUnclaimed(lock, key);
    if (index_.contains(key)) {
      reserved_ -= writer.size_;
      writer.reserved_ = false;
      return true;
    }
    claimed_.insert(key);
    fan_out = UnsyncedFanOut(key);
  }
  absl::Status placed = PlaceShard(writer, fan_out);
  EndCommit(writer, placed.ok());
  if (!placed.ok()) return placed;
  return false;
}

// mu_ held.
ShardStore::FanOut ShardStore::UnsyncedFanOut(const crypto::Sha256Digest& key) const {
  return FanOut{!durable_level1_[key[0]], !durable_level2_[key[0] << 8 | key[1]]};
}

// Renames the writer's temporary file to the shard's path and makes that durable: each fan-out
// folder whose bit is unset gets a mkdir and an fsync of its parent, even when another thread
// made the folder (that thread may not have synced the parent yet, and a shard is only as
// durable as the folders leading to it); then the shard's own folder is fsynced. On failure
// nothing stays at the shard's path: a file whose entry may not survive a crash is not kept, so
// the disk keeps matching the index. (Should even that unlink fail, the file is whole and
// hash-checked: the next Open indexes it, which is harmless.)
absl::Status ShardStore::PlaceShard(ShardWriter& writer, FanOut fan_out) {
  const std::string final_path = ShardPath(writer.id_);
  const std::string level1 = final_path.substr(0, dir_.size() + 10);  // <dir>/shards/ab
  const std::string level2 = final_path.substr(0, dir_.size() + 13);  // <dir>/shards/ab/cd
  if (fan_out.level1) RETURN_IF_ERROR(MakeDir(level1));
  if (fan_out.level2) RETURN_IF_ERROR(MakeDir(level2));
  if (::rename(writer.temp_path_.c_str(), final_path.c_str()) != 0) {
    return ErrnoStatus(errno, "rename shard into place");
  }
  writer.temp_path_.clear();
  absl::Status synced = absl::OkStatus();
  if (fan_out.level1) synced = SyncDir(dir_ + "/shards");
  if (synced.ok() && fan_out.level2) synced = SyncDir(level1);
  if (synced.ok()) synced = SyncDir(level2);
  if (!synced.ok()) ::unlink(final_path.c_str());
  return synced;
}

// Publishes a placed shard, or not; either way the reservation ends here. Turning it into used
// bytes in the same critical section keeps stored + reserved within the capacity throughout.
void ShardStore::EndCommit(ShardWriter& writer, bool placed) {
  const crypto::Sha256Digest key = DigestOf(writer.id_);
  std::lock_guard<std::mutex> lock(mu_);
  reserved_ -= writer.size_;
  writer.reserved_ = false;
  if (placed) {
    index_[key] = Entry{writer.size_, absl::ToUnixNanos(absl::Now())};
    used_ += writer.size_;
    durable_level1_.set(key[0]);
    durable_level2_.set(key[0] << 8 | key[1]);
  }
  DropClaim(key);
}

absl::StatusOr<bool> ShardStore::Delete(std::string_view id) {
  RETURN_IF_ERROR(ValidateShardId(id));
  std::optional<Entry> entry = TakeShard(DigestOf(id));
  if (!entry) return false;
  return RemoveTakenShard(id, *entry, 0);
}

// Waits while the shard's file is being changed, so that a removal is ordered after a commit in
// progress (and removes what it stored), and "not held" after a removal in progress means that
// removal is durable. Then takes the shard out of the index, so no new reader opens it, and
// claims it; nullopt when it is not held. Its bytes stay used until its file is gone.
std::optional<ShardStore::Entry> ShardStore::TakeShard(const crypto::Sha256Digest& key) {
  std::unique_lock<std::mutex> lock(mu_);
  AwaitUnclaimed(lock, key);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  const Entry entry = it->second;
  index_.erase(it);
  claimed_.insert(key);
  return entry;
}

// Unlinks a taken shard's file (only if it is still `inode`, when non-zero) and fsyncs its
// folder, then ends the removal. False when the file was another inode: the shard is put back.
absl::StatusOr<bool> ShardStore::RemoveTakenShard(std::string_view id, const Entry& entry,
                                                  ino_t inode) {
  const std::string path = ShardPath(id);
  absl::StatusOr<bool> removed = UnlinkShardFile(path, inode);
  absl::Status synced = absl::OkStatus();
  if (removed.ok() && *removed) synced = SyncDir(path.substr(0, path.size() - id.size() - 1));
  EndRemoval(DigestOf(id), entry, removed.ok() && *removed);
  RETURN_IF_ERROR(synced);
  return removed;
}

// A file that could not be removed is indexed again: the claim kept anyone else from indexing
// the id meanwhile, so the entry taken is still the right one.
void ShardStore::EndRemoval(const crypto::Sha256Digest& key, const Entry& entry, bool removed) {
  std::lock_guard<std::mutex> lock(mu_);
  if (removed) {
    used_ -= entry.size;
    corrupt_.erase(key);
  } else {
    index_.emplace(key, entry);
  }
  DropClaim(key);
}

}  // namespace datamesh::chunk_store
