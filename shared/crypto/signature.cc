#include "shared/crypto/signature.h"

#include <utility>

#include "shared/crypto/openssl_util.h"

namespace datamesh::crypto {

void Ed25519PrivateKey::PkeyFree::operator()(evp_pkey_st* pkey) const { EVP_PKEY_free(pkey); }

Ed25519PrivateKey::Ed25519PrivateKey(std::unique_ptr<evp_pkey_st, PkeyFree> pkey,
                                     std::string public_key)
    : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}
Ed25519PrivateKey::Ed25519PrivateKey(Ed25519PrivateKey&&) noexcept = default;
Ed25519PrivateKey& Ed25519PrivateKey::operator=(Ed25519PrivateKey&&) noexcept = default;
Ed25519PrivateKey::~Ed25519PrivateKey() = default;

// Takes ownership of `pkey` and caches its public key.
absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::Wrap(evp_pkey_st* pkey) {
  std::unique_ptr<evp_pkey_st, PkeyFree> owned(pkey);
  absl::StatusOr<std::string> public_key = internal::RawPublicKey(owned.get());
  if (!public_key.ok()) return public_key.status();
  return Ed25519PrivateKey(std::move(owned), *std::move(public_key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::Generate() {
  absl::StatusOr<internal::PkeyPtr> pkey = internal::GeneratePkey("ED25519");
  if (!pkey.ok()) return pkey.status();
  return Wrap(pkey->release());
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromBytes(std::string_view seed) {
  absl::StatusOr<internal::PkeyPtr> pkey = internal::PkeyFromRawPrivate("ED25519", seed);
  if (!pkey.ok()) return pkey.status();
  return Wrap(pkey->release());
}

absl::StatusOr<SecretBytes> Ed25519PrivateKey::ToBytes() const {
  return internal::RawPrivateKey(pkey_.get());
}

absl::StatusOr<std::string> Ed25519PrivateKey::Sign(std::string_view message) const {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return internal::OpenSslError("EVP_MD_CTX_new failed");
  // Pure Ed25519 takes no digest: the md name is null.
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey_.get(), nullptr) !=
      1) {
    return internal::OpenSslError("EVP_DigestSignInit_ex(Ed25519) failed");
  }
  std::string signature(kEd25519SignatureSize, '\0');
  size_t len = signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     internal::Bytes(message), message.size()) != 1 ||
      len != signature.size()) {
    return internal::OpenSslError("EVP_DigestSign(Ed25519) failed");
  }
  return signature;
}

absl::Status Ed25519Verify(std::string_view public_key, std::string_view message,
                           std::string_view signature) {
  absl::StatusOr<internal::PkeyPtr> pkey = internal::PkeyFromRawPublic("ED25519", public_key);
  if (!pkey.ok()) return pkey.status();
  if (signature.size() != kEd25519SignatureSize) {
    return absl::DataLossError("Ed25519: signature must be 64 bytes");
  }
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return internal::OpenSslError("EVP_MD_CTX_new failed");
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey->get(),
                              nullptr) != 1) {
    return internal::OpenSslError("EVP_DigestVerifyInit_ex(Ed25519) failed");
  }
  if (EVP_DigestVerify(ctx.get(), internal::Bytes(signature), signature.size(),
                       internal::Bytes(message), message.size()) != 1) {
    internal::ClearOpenSslErrors();
    return absl::DataLossError("Ed25519: signature does not verify");
  }
  return absl::OkStatus();
}

}  // namespace datamesh::crypto
