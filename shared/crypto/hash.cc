#include "shared/crypto/hash.h"

#include <utility>

#include "shared/crypto/encoding.h"
#include "shared/crypto/openssl_util.h"

namespace datamesh::crypto {
namespace {

absl::Status InitSha256(EVP_MD_CTX* ctx) {
  const EVP_MD* md = internal::Sha256Md();
  if (md == nullptr) return internal::OpenSslError("SHA-256 is not available");
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1) {
    return internal::OpenSslError("EVP_DigestInit_ex2(SHA-256) failed");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Sha256Digest> Sha256(std::string_view data) {
  const EVP_MD* md = internal::Sha256Md();
  if (md == nullptr) return internal::OpenSslError("SHA-256 is not available");
  Sha256Digest digest;
  if (EVP_Digest(data.data(), data.size(), digest.data(), nullptr, md, nullptr) != 1) {
    return internal::OpenSslError("EVP_Digest(SHA-256) failed");
  }
  return digest;
}

absl::StatusOr<std::string> Sha256Hex(std::string_view data) {
  absl::StatusOr<Sha256Digest> digest = Sha256(data);
  if (!digest.ok()) return digest.status();
  return HexEncode(*digest);
}

void Sha256Hasher::CtxFree::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256Hasher::Sha256Hasher(std::unique_ptr<evp_md_ctx_st, CtxFree> ctx) : ctx_(std::move(ctx)) {}
Sha256Hasher::Sha256Hasher(Sha256Hasher&&) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&&) noexcept = default;
Sha256Hasher::~Sha256Hasher() = default;

absl::StatusOr<Sha256Hasher> Sha256Hasher::Create() {
  std::unique_ptr<evp_md_ctx_st, CtxFree> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return internal::OpenSslError("EVP_MD_CTX_new failed");
  absl::Status status = InitSha256(ctx.get());
  if (!status.ok()) return status;
  return Sha256Hasher(std::move(ctx));
}

void Sha256Hasher::Update(std::string_view data) {
  if (!status_.ok()) return;
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
    status_ = internal::OpenSslError("EVP_DigestUpdate(SHA-256) failed");
  }
}

absl::StatusOr<Sha256Digest> Sha256Hasher::Finish() {
  absl::Status status = std::exchange(status_, absl::OkStatus());
  Sha256Digest digest;
  if (status.ok() && EVP_DigestFinal_ex(ctx_.get(), digest.data(), nullptr) != 1) {
    status = internal::OpenSslError("EVP_DigestFinal_ex(SHA-256) failed");
  }
  // Re-initialise in every case, so that a failed message does not poison the next one.
  absl::Status reset = InitSha256(ctx_.get());
  if (!status.ok()) return status;
  if (!reset.ok()) {
    status_ = reset;  // surfaces at the next Finish()
  }
  return digest;
}

}  // namespace datamesh::crypto
