// SHA-256: one-shot and incremental.
//
// Used on the hot path (content addressing and naming of shards), so the digest is a fixed-size
// array rather than a heap string and the algorithm is fetched from OpenSSL once per process.
// Callers hashing many messages in a row should keep one Sha256Hasher and reuse it: Finish()
// leaves it ready for the next message without reallocating.
//
// Thread safety: the free functions are thread-safe. A Sha256Hasher is a mutable context: use
// one per thread (or guard it); never share one between threads unsynchronised.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header.

namespace datamesh::crypto {

inline constexpr size_t kSha256Size = 32;
using Sha256Digest = std::array<uint8_t, kSha256Size>;

// The digest's bytes as a view (valid while `digest` lives).
inline std::string_view AsStringView(const Sha256Digest& digest) {
  return std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size());
}

// SHA-256 of `data`. kInternal only if OpenSSL fails (out of memory, missing provider).
[[nodiscard]] absl::StatusOr<Sha256Digest> Sha256(std::string_view data);

// Lower-case hex SHA-256 of `data` (64 characters).
[[nodiscard]] absl::StatusOr<std::string> Sha256Hex(std::string_view data);

// Incremental SHA-256 for data that arrives in pieces (streamed uploads, large files).
//
//   ASSIGN_OR_RETURN(Sha256Hasher hasher, Sha256Hasher::Create());
//   hasher.Update(part1);
//   hasher.Update(part2);
//   ASSIGN_OR_RETURN(Sha256Digest digest, hasher.Finish());
class Sha256Hasher {
 public:
  [[nodiscard]] static absl::StatusOr<Sha256Hasher> Create();

  // Move-only; a moved-from hasher may only be destroyed or assigned to.

  Sha256Hasher(Sha256Hasher&&) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&&) noexcept;
  ~Sha256Hasher();

  // Appends `data` to the message. A failure inside OpenSSL is remembered and reported by
  // Finish(), so streaming loops need no per-chunk error handling.
  void Update(std::string_view data);

  // Returns the digest of everything passed to Update() since creation or the previous Finish(),
  // and resets the hasher for a new message. Reports any error remembered by Update().
  [[nodiscard]] absl::StatusOr<Sha256Digest> Finish();

 private:
  struct CtxFree {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  explicit Sha256Hasher(std::unique_ptr<evp_md_ctx_st, CtxFree> ctx);

  std::unique_ptr<evp_md_ctx_st, CtxFree> ctx_;
  absl::Status status_;  // first error since the last Finish()
};

}  // namespace datamesh::crypto
