// Password hashing and password-based key derivation with scrypt (RFC 7914).
//
// Stored hashes are self-describing strings, so parameters can be raised later without a
// migration: verify with whatever the string says, then call NeedsRehash and store a new hash
// when it returns true (on the next successful login).
//
//   scrypt$<N>$<r>$<p>$<salt>$<hash>      salt and hash in padded standard Base64
//   e.g. scrypt$32768$8$1$c2FsdHNhbHRzYWx0c2FsdA==$...
//
// Each hash has its own 16-byte random salt. DeriveKeyFromPassword turns a password into a
// 32-byte AES key (to seal a user's X25519 private key); it must use a salt distinct from the
// one in the stored password hash, or the stored hash would be that key.
//
// Stateless functions: thread-safe. Each call uses 128·r·N bytes of memory and, with the
// defaults, tens of milliseconds of CPU: callers should bound concurrent hashing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shared/crypto/secret.h"

namespace datamesh::crypto {

// Defaults N=2^15, r=8, p=1: 32 MiB and tens of milliseconds per hash. This is the common
// interactive-login setting since 2017 (Go's x/crypto/scrypt documents it; Percival's 2009
// paper chose 2^14 for the hardware of its day). Every offline guess costs an attacker the same
// 32 MiB, while a server handling a burst of 16 concurrent logins needs only 512 MiB. Larger N
// would slow logins and multiply server memory under load for a modest gain. Tests may lower N.
struct ScryptParams {
  uint64_t n = uint64_t{1} << 15;  // CPU/memory cost: a power of two, 2..2^20
  uint32_t r = 8;                  // block size: 1..32
  uint32_t p = 1;                  // parallelism: 1..16
};

inline constexpr size_t kPasswordSaltSize = 16;
inline constexpr size_t kPasswordHashSize = 32;
inline constexpr size_t kPasswordKeySize = 32;

// OK if `params` is within the bounds above and needs at most 1 GiB; else kInvalidArgument.
[[nodiscard]] absl::Status ValidateScryptParams(const ScryptParams& params);

// Raw scrypt: `length` (1..1024) bytes derived from `password` and `salt`.
// kInvalidArgument for out-of-range parameters or length; kInternal if OpenSSL fails.
[[nodiscard]] absl::StatusOr<SecretBytes> Scrypt(std::string_view password, std::string_view salt,
                                                 const ScryptParams& params, size_t length);

// A new stored hash of `password` with a fresh random salt, in the format above.
[[nodiscard]] absl::StatusOr<std::string> HashPassword(std::string_view password,
                                                       const ScryptParams& params = {});

// OK if `password` matches `stored`; kUnauthenticated if it does not; kInvalidArgument if
// `stored` is not a hash in the format above (or its parameters are out of range).
// The final comparison is constant-time.
[[nodiscard]] absl::Status VerifyPassword(std::string_view password, std::string_view stored);

// True when `stored` should be replaced by a hash made with `params`: its parameters, salt size
// or hash size differ from the current ones, or it cannot be parsed.
bool NeedsRehash(std::string_view stored, const ScryptParams& params = {});

// A kPasswordKeySize-byte key from `password` and a per-user `salt` of at least
// kPasswordSaltSize bytes (kInvalidArgument otherwise). Store the salt and params beside
// whatever the key seals.
[[nodiscard]] absl::StatusOr<SecretBytes> DeriveKeyFromPassword(std::string_view password,
                                                                std::string_view salt,
                                                                const ScryptParams& params = {});

}  // namespace datamesh::crypto
