// SecretBytes: an owned buffer for key material that is wiped when it dies.
//
// Keys derived or unwrapped by this library (HKDF output, password-derived keys, ECIES-opened
// data keys, raw private keys) are returned as SecretBytes rather than std::string, because a
// std::string leaves copies of its contents in freed heap memory and in moved-from objects.
// SecretBytes is move-only; its bytes live in one heap block that is cleansed (OPENSSL_cleanse)
// on destruction and never copied implicitly. Copying out through view() is the caller's choice.
//
// Thread safety: like std::string — const methods may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace datamesh::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  // `size` zero bytes, to be filled through data().
  explicit SecretBytes(size_t size);
  ~SecretBytes();

  // Takes a copy of `bytes`. The source stays the caller's to wipe.
  static SecretBytes CopyOf(std::string_view bytes);
  // `size` bytes from the CSPRNG. kInternal if the generator fails.
  [[nodiscard]] static absl::StatusOr<SecretBytes> Random(size_t size);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Valid while this object is alive and not moved from.
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(data_.get()), size_);
  }

 private:
  void Wipe();

  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

}  // namespace datamesh::crypto
