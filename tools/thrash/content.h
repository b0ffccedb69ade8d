// The bytes of every file the thrasher uploads, as a pure function of (seed, file key, offset):
// nothing is kept in memory, a download is checked as it arrives, and a failure replays with
// the same bytes. Every 8-byte word is its own hash, so no two files, segments or offsets share
// content (a shard or segment served for the wrong file or place cannot match by accident) and
// nothing compresses or deduplicates.
//
// Thread-safe: Content is immutable; ContentVerifier is one per download.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace datamesh::thrash {

class Content {
 public:
  explicit Content(uint64_t seed) : seed_(seed) {}

  // Writes bytes [offset, offset + len) of the file named by `file_key` to `out`.
  void Fill(uint64_t file_key, uint64_t offset, size_t len, char* out) const;

  // The offset of the first byte of `data` that differs from the file's bytes starting at
  // `offset`; std::string_view::npos when all match.
  size_t FirstMismatch(uint64_t file_key, uint64_t offset, std::string_view data) const;

 private:
  uint64_t seed_;
};

// A file's key: which client uploaded it and its number there.
inline uint64_t FileKey(int client, uint64_t number) {
  return (static_cast<uint64_t>(client) << 40) | number;
}

// Checks a download piece by piece against the file's bytes from `start` on.
class ContentVerifier {
 public:
  ContentVerifier(const Content& content, uint64_t file_key, uint64_t start, uint64_t length)
      : content_(content), file_key_(file_key), next_(start), end_(start + length) {}

  // False (and error() says where) once a byte differs or more than `length` bytes arrived.
  bool Accept(std::string_view data);
  uint64_t received() const { return received_; }
  const std::string& error() const { return error_; }

 private:
  const Content& content_;
  const uint64_t file_key_;
  uint64_t next_;
  const uint64_t end_;
  uint64_t received_ = 0;
  std::string error_;
};

}  // namespace datamesh::thrash
