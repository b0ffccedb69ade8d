#include "shared/crypto/x25519.h"

#include <utility>

#include "shared/crypto/openssl_util.h"

namespace datamesh::crypto {

void X25519PrivateKey::PkeyFree::operator()(evp_pkey_st* pkey) const { EVP_PKEY_free(pkey); }

X25519PrivateKey::X25519PrivateKey(std::unique_ptr<evp_pkey_st, PkeyFree> pkey,
                                   std::string public_key)
    : pkey_(std::move(pkey)), public_key_(std::move(public_key)) {}
X25519PrivateKey::X25519PrivateKey(X25519PrivateKey&&) noexcept = default;
X25519PrivateKey& X25519PrivateKey::operator=(X25519PrivateKey&&) noexcept = default;
X25519PrivateKey::~X25519PrivateKey() = default;

// Takes ownership of `pkey` and caches its public key.
absl::StatusOr<X25519PrivateKey> X25519PrivateKey::Wrap(evp_pkey_st* pkey) {
  std::unique_ptr<evp_pkey_st, PkeyFree> owned(pkey);
  absl::StatusOr<std::string> public_key = internal::RawPublicKey(owned.get());
  if (!public_key.ok()) return public_key.status();
  return X25519PrivateKey(std::move(owned), *std::move(public_key));
}

absl::StatusOr<X25519PrivateKey> X25519PrivateKey::Generate() {
  absl::StatusOr<internal::PkeyPtr> pkey = internal::GeneratePkey("X25519");
  if (!pkey.ok()) return pkey.status();
  return Wrap(pkey->release());
}

absl::StatusOr<X25519PrivateKey> X25519PrivateKey::FromBytes(std::string_view private_key) {
  absl::StatusOr<internal::PkeyPtr> pkey = internal::PkeyFromRawPrivate("X25519", private_key);
  if (!pkey.ok()) return pkey.status();
  return Wrap(pkey->release());
}

absl::StatusOr<SecretBytes> X25519PrivateKey::ToBytes() const {
  return internal::RawPrivateKey(pkey_.get());
}

absl::StatusOr<SecretBytes> X25519PrivateKey::SharedSecret(std::string_view peer_public_key) const {
  absl::StatusOr<internal::PkeyPtr> peer = internal::PkeyFromRawPublic("X25519", peer_public_key);
  if (!peer.ok()) return peer.status();
  internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (ctx == nullptr) return internal::OpenSslError("EVP_PKEY_CTX_new_from_pkey failed");
  if (EVP_PKEY_derive_init(ctx.get()) != 1) {
    return internal::OpenSslError("EVP_PKEY_derive_init(X25519) failed");
  }
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer->get()) != 1) {
    return internal::OpenSslError("X25519: peer public key rejected",
                                  absl::StatusCode::kInvalidArgument);
  }
  SecretBytes secret(kX25519KeySize);
  size_t len = secret.size();
  // OpenSSL fails the derivation when the result is all zeros (a low-order peer point), which is
  // the check RFC 7748 §6.1 recommends.
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1 || len != secret.size()) {
    return internal::OpenSslError("X25519: key agreement failed (low-order peer public key?)",
                                  absl::StatusCode::kInvalidArgument);
  }
  return secret;
}

}  // namespace datamesh::crypto
