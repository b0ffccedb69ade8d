#include "shared/crypto/secret.h"

#include <openssl/crypto.h>

#include <cstring>
#include <utility>

#include "shared/crypto/random.h"

namespace datamesh::crypto {

SecretBytes::SecretBytes(size_t size) : data_(new uint8_t[size]()), size_(size) {}

SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes SecretBytes::CopyOf(std::string_view bytes) {
  SecretBytes out(bytes.size());
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

absl::StatusOr<SecretBytes> SecretBytes::Random(size_t size) {
  SecretBytes out(size);
  absl::Status status = RandomBytes(out.data(), out.size());
  if (!status.ok()) return status;
  return out;
}

// Moving hands over the heap block itself, so no copy of the secret is left behind.
SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void SecretBytes::Wipe() {
  if (data_ != nullptr) OPENSSL_cleanse(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

}  // namespace datamesh::crypto
