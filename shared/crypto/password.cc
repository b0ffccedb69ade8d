#include "shared/crypto/password.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <charconv>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/crypto/compare.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/openssl_util.h"
#include "shared/crypto/random.h"

namespace datamesh::crypto {
namespace {

constexpr std::string_view kScheme = "scrypt";
constexpr uint64_t kMaxN = uint64_t{1} << 20;
constexpr uint32_t kMaxR = 32;
constexpr uint32_t kMaxP = 16;
constexpr uint64_t kMaxMemory = uint64_t{1} << 30;
constexpr size_t kMaxLength = 1024;
// Bounds accepted when parsing stored hashes (which may predate the current sizes).
constexpr size_t kMinStoredSize = 8;
constexpr size_t kMaxStoredSize = 64;

struct StoredHash {
  ScryptParams params;
  std::string salt;
  std::string hash;
};

// Memory OpenSSL's scrypt allocates: B (128·r·p) and V (128·r·(N+2)).
uint64_t ScryptMemory(const ScryptParams& params) {
  return 128 * uint64_t{params.r} * (params.n + 2 + params.p);
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

absl::StatusOr<StoredHash> ParseStored(std::string_view stored) {
  std::vector<std::string_view> fields;
  for (size_t start = 0;;) {
    const size_t end = stored.find('$', start);
    fields.push_back(stored.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  const absl::Status malformed = absl::InvalidArgumentError("stored password hash is malformed");
  if (fields.size() != 6 || fields[0] != kScheme) return malformed;
  StoredHash out;
  if (!ParseNumber(fields[1], out.params.n) || !ParseNumber(fields[2], out.params.r) ||
      !ParseNumber(fields[3], out.params.p)) {
    return malformed;
  }
  absl::Status status = ValidateScryptParams(out.params);
  if (!status.ok()) return status;
  absl::StatusOr<std::string> salt = Base64Decode(fields[4]);
  absl::StatusOr<std::string> hash = Base64Decode(fields[5]);
  if (!salt.ok() || !hash.ok()) return malformed;
  out.salt = *std::move(salt);
  out.hash = *std::move(hash);
  for (size_t size : {out.salt.size(), out.hash.size()}) {
    if (size < kMinStoredSize || size > kMaxStoredSize) return malformed;
  }
  return out;
}

}  // namespace

absl::Status ValidateScryptParams(const ScryptParams& params) {
  if (params.n < 2 || params.n > kMaxN || (params.n & (params.n - 1)) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("scrypt N must be a power of two in 2..", kMaxN, ", got ", params.n));
  }
  if (params.r < 1 || params.r > kMaxR) {
    return absl::InvalidArgumentError(absl::StrCat("scrypt r must be 1..", kMaxR));
  }
  if (params.p < 1 || params.p > kMaxP) {
    return absl::InvalidArgumentError(absl::StrCat("scrypt p must be 1..", kMaxP));
  }
  if (ScryptMemory(params) > kMaxMemory) {
    return absl::InvalidArgumentError("scrypt parameters need more than 1 GiB of memory");
  }
  return absl::OkStatus();
}

absl::StatusOr<SecretBytes> Scrypt(std::string_view password, std::string_view salt,
                                   const ScryptParams& params, size_t length) {
  absl::Status status = ValidateScryptParams(params);
  if (!status.ok()) return status;
  if (length == 0 || length > kMaxLength) {
    return absl::InvalidArgumentError(absl::StrCat("scrypt output length must be 1..", kMaxLength));
  }
  EVP_KDF* kdf = internal::ScryptKdf();
  if (kdf == nullptr) return internal::OpenSslError("scrypt is not available");
  internal::KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf));
  if (ctx == nullptr) return internal::OpenSslError("EVP_KDF_CTX_new(SCRYPT) failed");

  uint64_t n = params.n;
  uint32_t r = params.r;
  uint32_t p = params.p;
  // OpenSSL's own default cap (1025 MiB) would do; an explicit one keeps the bound in one place.
  uint64_t max_memory = kMaxMemory + (uint64_t{1} << 20);
  const OSSL_PARAM ossl_params[] = {
      internal::OctetParam(OSSL_KDF_PARAM_PASSWORD, password),
      internal::OctetParam(OSSL_KDF_PARAM_SALT, salt),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &max_memory),
      OSSL_PARAM_construct_end()};
  SecretBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), ossl_params) != 1) {
    return internal::OpenSslError("EVP_KDF_derive(SCRYPT) failed");
  }
  return out;
}

absl::StatusOr<std::string> HashPassword(std::string_view password, const ScryptParams& params) {
  absl::StatusOr<std::string> salt = RandomBytes(kPasswordSaltSize);
  if (!salt.ok()) return salt.status();
  absl::StatusOr<SecretBytes> hash = Scrypt(password, *salt, params, kPasswordHashSize);
  if (!hash.ok()) return hash.status();
  return absl::StrCat("scrypt$", params.n, "$", params.r, "$", params.p, "$", Base64Encode(*salt),
                      "$", Base64Encode(hash->view()));
}

absl::Status VerifyPassword(std::string_view password, std::string_view stored) {
  absl::StatusOr<StoredHash> parsed = ParseStored(stored);
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<SecretBytes> hash =
      Scrypt(password, parsed->salt, parsed->params, parsed->hash.size());
  if (!hash.ok()) return hash.status();
  if (!ConstantTimeEquals(hash->view(), parsed->hash)) {
    return absl::UnauthenticatedError("wrong password");
  }
  return absl::OkStatus();
}

bool NeedsRehash(std::string_view stored, const ScryptParams& params) {
  absl::StatusOr<StoredHash> parsed = ParseStored(stored);
  if (!parsed.ok()) return true;
  return parsed->params.n != params.n || parsed->params.r != params.r ||
         parsed->params.p != params.p || parsed->salt.size() != kPasswordSaltSize ||
         parsed->hash.size() != kPasswordHashSize;
}

absl::StatusOr<SecretBytes> DeriveKeyFromPassword(std::string_view password, std::string_view salt,
                                                  const ScryptParams& params) {
  if (salt.size() < kPasswordSaltSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("password key salt must be at least ", kPasswordSaltSize, " bytes"));
  }
  return Scrypt(password, salt, params, kPasswordKeySize);
}

}  // namespace datamesh::crypto
