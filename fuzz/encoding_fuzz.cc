// Fuzz target: the strict hex and Base64 decoders (shared/crypto/encoding.h), which read the
// paging cursors clients send back (file, user and audit lists) and stored salts and hashes.
//
// Input (text): the encoded value, decoded as hex and as each Base64 variant.
//
// Invariants: the decoders are canonical, as their contract says - whatever decodes encodes
// back to exactly the same text (hex: in lower case); decoded lengths follow from the text's;
// refusals are INVALID_ARGUMENT.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "shared/crypto/encoding.h"

namespace {

namespace crypto = datamesh::crypto;

void CheckBase64(std::string_view text, crypto::Base64Variant variant) {
  absl::StatusOr<std::string> bytes = crypto::Base64Decode(text, variant);
  if (!bytes.ok()) {
    FUZZ_CHECK(bytes.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(crypto::Base64Encode(*bytes, variant) == text);
  FUZZ_CHECK(bytes->size() <= text.size() * 3 / 4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = datamesh::fuzz::AsText(data, size);

  absl::StatusOr<std::string> bytes = crypto::HexDecode(text);
  if (bytes.ok()) {
    FUZZ_CHECK(bytes->size() * 2 == text.size());
    std::string lower(text);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    FUZZ_CHECK(crypto::HexEncode(*bytes) == lower);
  } else {
    FUZZ_CHECK(bytes.status().code() == absl::StatusCode::kInvalidArgument);
  }

  CheckBase64(text, crypto::Base64Variant::kStandard);
  CheckBase64(text, crypto::Base64Variant::kUrlSafe);
  return 0;
}
