// ShardStore: immutable shards on the local disk of one storage node, named by the SHA-256 of
// their content. Knows nothing of gRPC; the service adapter and the tests drive it.
//
// Layout under the data folder:
//   LOCK                  flock'ed while a store is open: one process per folder
//   shards/ab/cd/<id>     a shard; <id> is 64 lowercase hex chars starting with "abcd"
//   tmp/                  shards being written; emptied at Open (leftovers of a crash)
//   node_id               the node's identity (node_id.h)
//
// Durability: a shard is written to tmp/, its SHA-256 computed as the bytes arrive, then it is
// fsynced, renamed to its final name and its fan-out folder fsynced (and, the first time this
// process uses a fan-out folder, the parents that hold its entry). A crash therefore leaves a
// shard either absent or whole under its real name, never half-written. A shard becomes visible
// (index, Has, OpenShard, List, Scrub, used bytes) only after all of that succeeded: a caller
// told that the node holds a shard can rely on it surviving a crash.
//
// Index: Open scans shards/ (stat only, no hashing) and keeps an in-memory index of id -> size
// and stored time, so Has/List/Scrub batches and usage figures cost no disk I/O. The folder is
// locked, so only this store changes it.
//
// Locking: mu_ guards memory only (index, counters, claims). System calls that change the disk
// (mkdir, rename, unlink, fsync, utimensat) run without it, so a slow disk does not serialise
// unrelated puts and reads. Changes to one shard's file are serialised by a claim instead: a
// commit or a delete claims the id under mu_ (waiting while another thread holds it), changes
// the disk without the lock, then updates the index and drops the claim under mu_. Hence:
//   - the index lists a shard only once its file and folder entries are durable;
//   - while an id is not claimed, its file is in place exactly when the index lists it (barring
//     changes made behind the store's back);
//   - an indexed id is never claimed (a commit claims only an unindexed id, a delete unindexes
//     the id as it claims it), so readers never wait for another thread's disk call;
//   - a put whose commit finds the id claimed waits, then answers already_present if the other
//     commit made the shard visible, or writes the shard itself if that commit failed;
//   - a delete (or scrub's removal) takes the shard out of the index before unlinking it, so no
//     new reader opens it (a reader already holding a descriptor keeps reading the old file).
//
// Capacity: a put reserves its declared size at BeginPut. The reservation becomes used bytes in
// the critical section that indexes the shard, or is released; a deleted shard's bytes stay
// used until its file is unlinked. So stored + reserved bytes never exceed the capacity, and
// concurrent puts cannot overshoot it together.
//
// Thread safety: every ShardStore method is thread-safe, including concurrent puts, reads and
// deletes of the same id. A ShardWriter or ShardReader is used by one thread at a time. The
// store must outlive them.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <bitset>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/chunk-store/disk_io.h"
#include "shared/crypto/hash.h"

namespace datamesh::chunk_store {

// OK when `id` is exactly 64 lowercase hex characters (a SHA-256 in hex); INVALID_ARGUMENT
// otherwise. Ids become file names, so nothing else ("../x", "/", upper case) is accepted.
[[nodiscard]] absl::Status ValidateShardId(std::string_view id);

struct ShardStoreOptions {
  std::string data_dir;
  // Bytes of shards the store may hold; 0: the disk's free space at Open plus what is held.
  uint64_t capacity_bytes = 0;
  // Tests only: replaces the fsync of a folder, to delay it or make it fail. Called from any
  // thread, possibly concurrently. Empty: the real fsync (FsyncDir).
  std::function<absl::Status(const std::string& dir)> fsync_dir_for_test;
};

struct StoreUsage {
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;      // sum of stored shard sizes (incl. shards being unlinked)
  uint64_t reserved_bytes = 0;  // declared sizes of puts in flight
  uint64_t shard_count = 0;
};

// How the store judges its own state (heartbeats carry it).
enum class StoreCondition {
  kOk,
  kDegraded,  // the last write failed on a disk error, or a shard scrub found corrupt is held
  kReadOnly,  // full (used >= capacity)
};

struct ShardInfo {
  std::string id;
  uint64_t size = 0;
  absl::Time stored_at;  // file modification time; refreshed by a put of a held shard
};

struct ListPage {
  std::vector<ShardInfo> shards;           // in id order
  std::optional<std::string> next_cursor;  // absent at the end
};

struct ScrubOptions {
  std::string cursor;          // continue after this id; from the start when empty
  uint32_t max_shards = 1000;  // at least one shard is always checked
  uint64_t max_bytes = uint64_t{1} << 30;
  bool delete_corrupt = false;
};

struct ScrubReport {
  uint64_t shards_scanned = 0;
  uint64_t bytes_scanned = 0;
  std::vector<std::string> corrupt_ids;    // content does not hash to the id, or unreadable
  std::optional<std::string> next_cursor;  // absent when the whole index has been covered
};

struct PutResult {
  uint64_t size = 0;
  bool already_present = false;  // nothing was written
};

class ShardStore;

// One shard being stored. Append the content, then Commit. Destroying an uncommitted writer
// removes its temporary file and releases its reservation, so an abandoned put leaves nothing.
class ShardWriter {
 public:
  ~ShardWriter();
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  // True when the store already held the shard at BeginPut: appended bytes are ignored
  // (drained, not hashed or written).
  bool already_present() const { return discard_; }

  // Appends content. INVALID_ARGUMENT when it goes beyond the declared size; UNAVAILABLE when
  // the disk refuses the write. After an error the writer is finished (Commit fails).
  [[nodiscard]] absl::Status Append(std::string_view data);

  // Makes the shard durable, then visible. While another put of the same shard is committing,
  // waits for it: already_present if that one stored the shard. INVALID_ARGUMENT when fewer
  // bytes than declared arrived or the content's SHA-256 is not the id (nothing is kept);
  // UNAVAILABLE on disk errors (nothing is kept or visible); ABORTED when a discarding writer's
  // shard was deleted meanwhile (retry the put).
  [[nodiscard]] absl::StatusOr<PutResult> Commit();

 private:
  friend class ShardStore;
  ShardWriter(ShardStore* store, std::string id, uint64_t size);

  ShardStore* const store_;
  const std::string id_;
  const uint64_t size_;
  bool discard_ = false;
  bool reserved_ = false;
  bool finished_ = false;
  uint64_t written_ = 0;
  std::string temp_path_;
  UniqueFd fd_;
  std::optional<crypto::Sha256Hasher> hasher_;
};

// An open shard. Reads see the shard as it was when opened, even if it is deleted meanwhile.
class ShardReader {
 public:
  uint64_t size() const { return size_; }
  // Reads up to n bytes at `offset` into out; fewer only at the end of the shard.
  [[nodiscard]] absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t n) const;

 private:
  friend class ShardStore;
  ShardReader(UniqueFd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}
  UniqueFd fd_;
  uint64_t size_;
};

class ShardStore {
 public:
  // Creates the layout if missing, locks the folder, removes leftover temporary files and
  // indexes the held shards. FAILED_PRECONDITION when another process holds the folder or it
  // cannot be created; INVALID_ARGUMENT for an empty data_dir.
  static absl::StatusOr<std::unique_ptr<ShardStore>> Open(const ShardStoreOptions& options);
  ~ShardStore();
  ShardStore(const ShardStore&) = delete;
  ShardStore& operator=(const ShardStore&) = delete;

  // Starts storing shard `id` of `size` bytes. INVALID_ARGUMENT for a bad id;
  // RESOURCE_EXHAUSTED when size would take stored + reserved bytes beyond the capacity;
  // UNAVAILABLE when the temporary file cannot be created. A held shard gets a discarding
  // writer (and its stored time is refreshed, so a garbage collector's grace period restarts).
  [[nodiscard]] absl::StatusOr<std::unique_ptr<ShardWriter>> BeginPut(std::string_view id,
                                                                      uint64_t size);
  // BeginPut + Append(content) + Commit, for callers holding the whole shard.
  [[nodiscard]] absl::StatusOr<PutResult> Put(std::string_view id, std::string_view content);

  // Opens a held shard for reading. INVALID_ARGUMENT for a bad id; NOT_FOUND when not held.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<ShardReader>> OpenShard(std::string_view id) const;
  // Whether the shard is held. INVALID_ARGUMENT for a bad id.
  [[nodiscard]] absl::StatusOr<bool> Has(std::string_view id) const;
  // Removes a shard; false when it was not held. INVALID_ARGUMENT for a bad id.
  [[nodiscard]] absl::StatusOr<bool> Delete(std::string_view id);

  // Held shards in id order after `cursor` (empty: from the start), at most `limit`; with
  // `stored_before`, only shards stored before it (a page may then be short while next_cursor
  // is set, as at most 10 * limit candidates are examined). INVALID_ARGUMENT for a bad cursor.
  [[nodiscard]] absl::StatusOr<ListPage> List(std::string_view cursor, uint32_t limit,
                                              std::optional<absl::Time> stored_before) const;

  // Re-hashes a batch of shards in id order (see ScrubOptions). INVALID_ARGUMENT for a bad
  // cursor. Corrupt shards are deleted when asked (only the very file that was hashed).
  [[nodiscard]] absl::StatusOr<ScrubReport> Scrub(const ScrubOptions& options);

  StoreUsage Usage() const;
  StoreCondition Condition() const;
  const std::string& data_dir() const { return dir_; }
  // Where shard `id` lives (whether held or not). `id` must be valid.
  std::string ShardPath(std::string_view id) const;

 private:
  friend class ShardWriter;
  struct Entry {
    uint64_t size = 0;
    int64_t mtime_ns = 0;
  };
  using Index = absl::btree_map<crypto::Sha256Digest, Entry>;
  // The fan-out folders of a shard whose entry in their parent is not yet known durable.
  struct FanOut {
    bool level1 = false;  // shards/ab: mkdir it, fsync shards/
    bool level2 = false;  // shards/ab/cd: mkdir it, fsync shards/ab
  };

  explicit ShardStore(const ShardStoreOptions& options);
  absl::Status Init(uint64_t capacity_bytes);
  absl::Status ScanShards();
  absl::Status ScanFanOut(const std::string& sub, const std::string& prefix);
  absl::Status SyncDir(const std::string& dir) const;
  bool RefreshIfHeld(std::string_view id);
  absl::Status Reserve(uint64_t size);
  void ReleaseReservation(uint64_t size);
  void NoteWriteResult(const absl::Status& status);
  // Shard file changes (shard_store_commit.cc): claims, commit, removal.
  void AwaitUnclaimed(std::unique_lock<std::mutex>& lock, const crypto::Sha256Digest& key);
  void DropClaim(const crypto::Sha256Digest& key);
  absl::StatusOr<bool> CommitWriter(ShardWriter& writer);
  FanOut UnsyncedFanOut(const crypto::Sha256Digest& key) const;
  absl::Status PlaceShard(ShardWriter& writer, FanOut fan_out);
  void EndCommit(ShardWriter& writer, bool placed);
  std::optional<Entry> TakeShard(const crypto::Sha256Digest& key);
  absl::StatusOr<bool> RemoveTakenShard(std::string_view id, const Entry& entry, ino_t inode);
  void EndRemoval(const crypto::Sha256Digest& key, const Entry& entry, bool removed);
  // Scrub (shard_store_scan.cc).
  absl::StatusOr<bool> HashMatches(std::string_view id, uint64_t* bytes, ino_t* inode) const;
  void DeleteIfSameFile(std::string_view id, ino_t inode);
  void NoteScrubbed(std::string_view id, bool corrupt);
  static absl::StatusOr<std::optional<crypto::Sha256Digest>> ParseCursor(std::string_view c);

  const std::string dir_;
  const std::function<absl::Status(const std::string&)> fsync_dir_;
  UniqueFd lock_fd_;
  mutable std::mutex mu_;
  std::condition_variable claim_dropped_;          // signalled whenever claimed_ shrinks
  Index index_;                                    // guarded by mu_; durable shards only
  absl::btree_set<crypto::Sha256Digest> claimed_;  // guarded by mu_; files being changed
  uint64_t capacity_ = 0;                          // set once by Init
  uint64_t used_ = 0;                              // guarded by mu_; incl. files being unlinked
  uint64_t reserved_ = 0;                          // guarded by mu_
  std::atomic<uint64_t> temp_counter_{0};          // names temporary files uniquely
  bool write_failed_ = false;                      // guarded by mu_; the last disk write failed
  absl::btree_set<crypto::Sha256Digest> corrupt_;  // guarded by mu_; held shards scrub found bad
  // Guarded by mu_: fan-out folders (by their first one or two digest bytes) this process made
  // sure exist with a durable entry in their parent. Folders are never removed, so a set bit
  // stays true; bit ab.cd is set only with bit ab.
  std::bitset<256> durable_level1_;
  std::bitset<65536> durable_level2_;
};

}  // namespace datamesh::chunk_store
