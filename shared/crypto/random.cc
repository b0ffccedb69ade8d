#include "shared/crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <climits>

#include "shared/crypto/encoding.h"
#include "shared/crypto/openssl_util.h"

namespace datamesh::crypto {

absl::Status RandomBytes(uint8_t* out, size_t n) {
  // RAND_bytes takes an int length; larger requests go in chunks.
  while (n > 0) {
    const size_t chunk = std::min<size_t>(n, INT_MAX);
    if (RAND_bytes(out, static_cast<int>(chunk)) != 1) {
      return internal::OpenSslError("RAND_bytes failed");
    }
    out += chunk;
    n -= chunk;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  absl::Status status = RandomBytes(reinterpret_cast<uint8_t*>(out.data()), n);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::string> RandomToken() {
  absl::StatusOr<std::string> bytes = RandomBytes(32);
  if (!bytes.ok()) return bytes.status();
  return Base64Encode(*bytes, Base64Variant::kUrlSafe);
}

absl::StatusOr<std::string> NewUuid() {
  std::array<uint8_t, 16> b;
  absl::Status status = RandomBytes(b.data(), b.size());
  if (!status.ok()) return status;
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10xx
  const std::string hex = HexEncode(b);
  std::string out;
  out.reserve(36);
  out.append(hex, 0, 8).append("-");
  out.append(hex, 8, 4).append("-");
  out.append(hex, 12, 4).append("-");
  out.append(hex, 16, 4).append("-");
  out.append(hex, 20, 12);
  return out;
}

}  // namespace datamesh::crypto
