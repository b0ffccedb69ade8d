#include "shared/crypto/ecies.h"

#include <span>

#include "absl/strings/str_cat.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/hkdf.h"
#include "shared/crypto/random.h"

namespace datamesh::crypto {
namespace {

constexpr std::string_view kHkdfLabelV1 = "datamesh/ecies/v1";
constexpr size_t kHeaderSize = 1 + kX25519KeySize + kAesGcmNonceSize;

// Debian's Abseil has its own string_view, so absl::StrCat does not take std::string_view.
std::string Concat(std::string_view a, std::string_view b, std::string_view c = {}) {
  std::string out;
  out.reserve(a.size() + b.size() + c.size());
  out.append(a).append(b).append(c);
  return out;
}

absl::StatusOr<AesGcm> MessageCipher(const SecretBytes& shared, std::string_view ephemeral_public,
                                     std::string_view recipient_public) {
  const std::string info = Concat(kHkdfLabelV1, ephemeral_public, recipient_public);
  absl::StatusOr<SecretBytes> key = HkdfSha256(shared.view(), {}, info, kAesGcmKeySize);
  if (!key.ok()) return key.status();
  return AesGcm::Create(key->view());
}

}  // namespace

absl::StatusOr<std::string> EciesSeal(std::string_view recipient_public_key,
                                      std::string_view plaintext, std::string_view aad) {
  absl::StatusOr<X25519PrivateKey> ephemeral = X25519PrivateKey::Generate();
  if (!ephemeral.ok()) return ephemeral.status();
  absl::StatusOr<SecretBytes> shared = ephemeral->SharedSecret(recipient_public_key);
  if (!shared.ok()) return shared.status();
  absl::StatusOr<AesGcm> cipher =
      MessageCipher(*shared, ephemeral->public_key(), recipient_public_key);
  if (!cipher.ok()) return cipher.status();

  // The key is used once, so a random nonce is not needed for uniqueness; it is kept so that
  // the format does not depend on that argument.
  std::string out(kHeaderSize + AesGcm::SealedSize(plaintext.size()), '\0');
  out[0] = static_cast<char>(kEciesVersion1);
  out.replace(1, kX25519KeySize, ephemeral->public_key());
  auto* bytes = reinterpret_cast<uint8_t*>(out.data());
  absl::Status status = RandomBytes(bytes + 1 + kX25519KeySize, kAesGcmNonceSize);
  if (!status.ok()) return status;

  const std::string_view header(out.data(), kHeaderSize);
  const std::string full_aad = Concat(header, aad);
  status = cipher->SealInto(header.substr(1 + kX25519KeySize), full_aad, plaintext,
                            std::span(bytes + kHeaderSize, out.size() - kHeaderSize));
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<SecretBytes> EciesOpen(const X25519PrivateKey& recipient, std::string_view sealed,
                                      std::string_view aad) {
  if (sealed.empty()) return absl::DataLossError("ECIES: empty message");
  const int version = static_cast<uint8_t>(sealed[0]);
  if (version != kEciesVersion1) {
    return absl::UnimplementedError(absl::StrCat("ECIES: unknown format version ", version));
  }
  if (sealed.size() < kEciesOverhead) return absl::DataLossError("ECIES: message is truncated");

  const std::string_view header = sealed.substr(0, kHeaderSize);
  const std::string_view ephemeral_public = header.substr(1, kX25519KeySize);
  const std::string_view nonce = header.substr(1 + kX25519KeySize);
  absl::StatusOr<SecretBytes> shared = recipient.SharedSecret(ephemeral_public);
  if (!shared.ok()) {
    // Only a corrupted or forged message carries a low-order ephemeral key.
    if (shared.status().code() == absl::StatusCode::kInvalidArgument) {
      return absl::DataLossError("ECIES: invalid ephemeral public key");
    }
    return shared.status();
  }
  absl::StatusOr<AesGcm> cipher = MessageCipher(*shared, ephemeral_public, recipient.public_key());
  if (!cipher.ok()) return cipher.status();

  const std::string_view body = sealed.substr(kHeaderSize);
  SecretBytes plaintext(body.size() - kAesGcmTagSize);
  absl::Status status = cipher->OpenInto(nonce, Concat(header, aad), body,
                                         std::span(plaintext.data(), plaintext.size()));
  if (!status.ok()) return status;
  return plaintext;
}

}  // namespace datamesh::crypto
