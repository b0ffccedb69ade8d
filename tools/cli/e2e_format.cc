#include "tools/cli/e2e_format.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "shared/crypto/hash.h"
#include "shared/crypto/random.h"
#include "shared/status/status.h"

namespace datamesh::cli {
namespace {

constexpr size_t kNoncePrefixSize = 8;
constexpr size_t kKeyIdSize = 8;
constexpr size_t kChunkSizeOffset = 8;
constexpr size_t kNoncePrefixOffset = 12;
constexpr size_t kKeyIdOffset = 20;
// The nonce counter is 32 bits: at most 2^32 chunks per file.
constexpr uint64_t kMaxChunks = uint64_t{1} << 32;

void PutBigEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint32_t ReadU32(std::string_view s) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

std::string Nonce(std::string_view header, uint64_t index) {
  std::string nonce(header.substr(kNoncePrefixOffset, kNoncePrefixSize));
  PutBigEndian(index, 4, &nonce);
  return nonce;
}

std::string Aad(std::string_view header, uint64_t index, bool final) {
  std::string aad(header);
  PutBigEndian(index, 8, &aad);
  aad.push_back(final ? 1 : 0);
  return aad;
}

}  // namespace

absl::StatusOr<std::string> E2eKeyId(std::string_view key) {
  if (key.size() != kE2eKeySize) {
    return absl::InvalidArgumentError("an e2e key must be 32 bytes");
  }
  // Domain-separated so the fingerprint can never equal a hash of the key used elsewhere.
  std::string input = "datamesh e2e key id v1";
  input.append(key);
  ASSIGN_OR_RETURN(crypto::Sha256Digest digest, crypto::Sha256(input));
  return std::string(crypto::AsStringView(digest).substr(0, kKeyIdSize));
}

uint64_t E2eCiphertextSize(uint64_t plaintext_size, uint32_t chunk_size) {
  uint64_t chunks = plaintext_size == 0 ? 1 : (plaintext_size + chunk_size - 1) / chunk_size;
  return kE2eHeaderSize + plaintext_size + chunks * crypto::kAesGcmTagSize;
}

bool LooksLikeE2e(std::string_view prefix) {
  return prefix.size() >= kE2eMagic.size() && prefix.substr(0, kE2eMagic.size()) == kE2eMagic;
}

absl::StatusOr<E2eEncryptor> E2eEncryptor::Create(std::string_view key, uint32_t chunk_size) {
  if (chunk_size == 0 || chunk_size > kE2eMaxChunkSize) {
    return absl::InvalidArgumentError("e2e chunk size out of range");
  }
  ASSIGN_OR_RETURN(std::string key_id, E2eKeyId(key));
  ASSIGN_OR_RETURN(crypto::AesGcm aead, crypto::AesGcm::Create(key));
  ASSIGN_OR_RETURN(std::string prefix, crypto::RandomBytes(kNoncePrefixSize));
  std::string header(kE2eMagic);
  header.push_back(static_cast<char>(kE2eVersion));
  header.push_back(0);
  PutBigEndian(chunk_size, 4, &header);
  header += prefix;
  header += key_id;
  return E2eEncryptor(std::move(aead), std::move(header), chunk_size);
}

absl::Status E2eEncryptor::SealChunk(std::string_view plaintext, bool final, std::string* out) {
  if (finished_) return absl::FailedPreconditionError("the final chunk was already sealed");
  if (plaintext.size() > chunk_size_ || (!final && plaintext.size() != chunk_size_)) {
    return absl::InvalidArgumentError("e2e chunk of the wrong size");
  }
  if (next_index_ >= kMaxChunks) return absl::OutOfRangeError("file too large for e2e format");
  ASSIGN_OR_RETURN(std::string sealed, aead_.Seal(Nonce(header_, next_index_),
                                                  Aad(header_, next_index_, final), plaintext));
  out->append(sealed);
  ++next_index_;
  finished_ = final;
  return absl::OkStatus();
}

absl::StatusOr<E2eDecryptor> E2eDecryptor::Create(std::string_view key) {
  ASSIGN_OR_RETURN(std::string key_id, E2eKeyId(key));
  ASSIGN_OR_RETURN(crypto::AesGcm aead, crypto::AesGcm::Create(key));
  return E2eDecryptor(std::move(aead), std::move(key_id));
}

absl::Status E2eDecryptor::ParseHeader() {
  std::string_view h(pending_.data(), kE2eHeaderSize);
  if (!LooksLikeE2e(h)) return absl::DataLossError("not an e2e-encrypted file (bad header)");
  if (static_cast<uint8_t>(h[kE2eMagic.size()]) != kE2eVersion) {
    return absl::DataLossError("unsupported e2e format version");
  }
  chunk_size_ = ReadU32(h.substr(kChunkSizeOffset));
  if (chunk_size_ == 0 || chunk_size_ > kE2eMaxChunkSize) {
    return absl::DataLossError("e2e header has an invalid chunk size");
  }
  if (h.substr(kKeyIdOffset, kKeyIdSize) != key_id_) {
    return absl::DataLossError("the file was encrypted with a different e2e key");
  }
  header_ = std::string(h);
  pending_.erase(0, kE2eHeaderSize);
  return absl::OkStatus();
}

absl::Status E2eDecryptor::OpenChunk(std::string_view sealed, bool final, std::string* out) {
  if (next_index_ >= kMaxChunks) return absl::DataLossError("too many e2e chunks");
  absl::StatusOr<std::string> plain =
      aead_.Open(Nonce(header_, next_index_), Aad(header_, next_index_, final), sealed);
  if (!plain.ok()) {
    return absl::DataLossError(
        absl::StrCat("e2e chunk ", next_index_,
                     final ? " does not verify: the file is truncated or was modified"
                           : " does not verify: the file was modified or reordered"));
  }
  out->append(*plain);
  ++next_index_;
  return absl::OkStatus();
}

absl::Status E2eDecryptor::Update(std::string_view ciphertext, std::string* out) {
  pending_.append(ciphertext);
  if (header_.empty()) {
    if (pending_.size() < kE2eHeaderSize) return absl::OkStatus();
    RETURN_IF_ERROR(ParseHeader());
  }
  const size_t sealed_chunk = size_t{chunk_size_} + crypto::kAesGcmTagSize;
  size_t consumed = 0;
  // Strictly more than one sealed chunk: only then is the first one certainly not the last.
  while (pending_.size() - consumed > sealed_chunk) {
    RETURN_IF_ERROR(
        OpenChunk(std::string_view(pending_).substr(consumed, sealed_chunk), false, out));
    consumed += sealed_chunk;
  }
  pending_.erase(0, consumed);
  return absl::OkStatus();
}

absl::Status E2eDecryptor::Finish(std::string* out) {
  if (header_.empty()) return absl::DataLossError("e2e file truncated inside its header");
  if (pending_.size() < crypto::kAesGcmTagSize) {
    return absl::DataLossError("e2e file truncated: the final chunk is missing");
  }
  RETURN_IF_ERROR(OpenChunk(pending_, true, out));
  pending_.clear();
  return absl::OkStatus();
}

}  // namespace datamesh::cli
