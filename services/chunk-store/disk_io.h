// Small POSIX file helpers of the chunk-store: durable writes, directory fsync, errno mapping.
// They exist so the store's code reads as its protocol (temp file, fsync, rename, fsync dir)
// rather than as error plumbing.
//
// Thread-safe: no shared state; each call works on the descriptors or paths it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace datamesh::chunk_store {

// A status for a failed system call: NOT_FOUND for ENOENT; UNAVAILABLE for errors meaning the
// disk refuses writes or fails (ENOSPC, EDQUOT, EROFS, EIO); INTERNAL otherwise. The message
// names `what` and the errno text.
absl::Status ErrnoStatus(int err, std::string_view what);

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Writes all of `data` at the descriptor's position, retrying short writes and EINTR.
[[nodiscard]] absl::Status WriteAll(int fd, std::string_view data);

// Reads up to `n` bytes at `offset` into `out`, retrying short reads; fewer only at the end of
// the file.
[[nodiscard]] absl::StatusOr<size_t> PreadFull(int fd, uint64_t offset, char* out, size_t n);

// fsyncs a directory so that entries created, renamed or removed in it survive a crash.
[[nodiscard]] absl::Status FsyncDir(const std::string& dir);

// Creates `dir` if missing; an existing one is fine. Its entry is durable only once its parent
// is fsynced (whichever caller created it).
[[nodiscard]] absl::Status MakeDir(const std::string& dir);

// Replaces `path` atomically with `content`: writes "<path>.tmp", fsyncs it, renames it over
// `path` and fsyncs the parent directory `dir`.
[[nodiscard]] absl::Status WriteFileAtomically(const std::string& dir, const std::string& path,
                                               std::string_view content);

}  // namespace datamesh::chunk_store
