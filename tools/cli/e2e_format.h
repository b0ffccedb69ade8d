// Client-side ("end-to-end") encryption format of `datamesh put --e2e`: the server only ever
// sees ciphertext under a 256-bit key the user keeps in a local file.
//
// Layout (all integers big-endian):
//
//   header (28 bytes): magic "DME2EF" | version u8 (=1) | reserved u8 (=0) | chunk_size u32 |
//                      nonce_prefix (8 random bytes, per file) | key_id (8 bytes)
//   chunk 0 .. n-1:    AES-256-GCM(plaintext chunk) || 16-byte tag
//
// Every chunk but the last holds exactly chunk_size plaintext bytes; the last holds 0..chunk_size
// bytes (an empty file is one empty final chunk). Chunk i is sealed with
//   nonce = nonce_prefix || u32(i)
//   AAD   = header || u64(i) || u8(final ? 1 : 0)
// so a changed header, reordered or swapped chunks (nonce and AAD differ), a truncated file (the
// last chunk left was sealed as non-final) and appended data (nothing may follow the final
// chunk) all fail authentication. key_id is a one-way fingerprint of the key, letting a reader
// tell "wrong key" from "tampered" without revealing anything about the key.
//
// Both classes hold one key and are single-threaded mutable state; use one per transfer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shared/crypto/aead.h"

namespace datamesh::cli {

inline constexpr std::string_view kE2eMagic = "DME2EF";
inline constexpr uint8_t kE2eVersion = 1;
inline constexpr size_t kE2eHeaderSize = 28;
inline constexpr size_t kE2eKeySize = 32;
inline constexpr uint32_t kE2eDefaultChunkSize = 1 << 20;
inline constexpr uint32_t kE2eMaxChunkSize = 64 << 20;

// The 8-byte fingerprint stored in headers. kInvalidArgument unless key is kE2eKeySize bytes.
[[nodiscard]] absl::StatusOr<std::string> E2eKeyId(std::string_view key);

// Ciphertext size of a plaintext of `plaintext_size` bytes: what the upload declares.
uint64_t E2eCiphertextSize(uint64_t plaintext_size, uint32_t chunk_size);

// True when `prefix` (at least the magic's length) starts like an e2e file.
bool LooksLikeE2e(std::string_view prefix);

class E2eEncryptor {
 public:
  // kInvalidArgument for a key of the wrong size or a chunk size outside 1..kE2eMaxChunkSize.
  [[nodiscard]] static absl::StatusOr<E2eEncryptor> Create(std::string_view key,
                                                           uint32_t chunk_size);

  const std::string& header() const { return header_; }
  uint32_t chunk_size() const { return chunk_size_; }

  // Seals the next chunk (exactly chunk_size bytes unless `final`) and appends it to `out`.
  // kFailedPrecondition after the final chunk; kInvalidArgument for a wrongly sized chunk.
  [[nodiscard]] absl::Status SealChunk(std::string_view plaintext, bool final, std::string* out);

 private:
  E2eEncryptor(crypto::AesGcm aead, std::string header, uint32_t chunk_size)
      : aead_(std::move(aead)), header_(std::move(header)), chunk_size_(chunk_size) {}

  crypto::AesGcm aead_;
  std::string header_;
  uint32_t chunk_size_;
  uint64_t next_index_ = 0;
  bool finished_ = false;
};

// Streaming decryption: feed ciphertext in pieces of any size; verified plaintext comes out one
// whole chunk at a time. A chunk is released only once more bytes prove it is not the last one.
class E2eDecryptor {
 public:
  // kInvalidArgument for a key of the wrong size.
  [[nodiscard]] static absl::StatusOr<E2eDecryptor> Create(std::string_view key);

  // Appends the plaintext of every chunk now known to be complete and non-final to `out`.
  // kDataLoss: bad header, another key (message says so), or a chunk that fails to verify.
  [[nodiscard]] absl::Status Update(std::string_view ciphertext, std::string* out);

  // The end of the stream: opens the final chunk into `out`. kDataLoss when the stream is
  // truncated, tampered with or has data after the final chunk.
  [[nodiscard]] absl::Status Finish(std::string* out);

 private:
  E2eDecryptor(crypto::AesGcm aead, std::string key_id)
      : aead_(std::move(aead)), key_id_(std::move(key_id)) {}
  absl::Status ParseHeader();
  absl::Status OpenChunk(std::string_view sealed, bool final, std::string* out);

  crypto::AesGcm aead_;
  std::string key_id_;
  std::string header_;  // empty until parsed
  std::string pending_;
  uint32_t chunk_size_ = 0;
  uint64_t next_index_ = 0;
};

}  // namespace datamesh::cli
