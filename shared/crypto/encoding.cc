#include "shared/crypto/encoding.h"

#include <array>

#include "absl/status/status.h"

namespace datamesh::crypto {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kStandardAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlSafeAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reverse lookup table: character -> 6-bit value, or -1.
std::array<int8_t, 256> ReverseTable(const char* alphabet) {
  std::array<int8_t, 256> table;
  table.fill(-1);
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  return table;
}

std::string HexEncodeRaw(const uint8_t* data, size_t size) {
  std::string out(size * 2, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHexDigits[data[i] >> 4];
    out[2 * i + 1] = kHexDigits[data[i] & 0x0f];
  }
  return out;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  return HexEncodeRaw(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

std::string HexEncode(std::span<const uint8_t> bytes) {
  return HexEncodeRaw(bytes.data(), bytes.size());
}

absl::StatusOr<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return absl::InvalidArgumentError("hex string has an odd length");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return absl::InvalidArgumentError("hex string has a non-hex character");
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

std::string Base64Encode(std::string_view bytes, Base64Variant variant) {
  const bool standard = variant == Base64Variant::kStandard;
  const char* alphabet = standard ? kStandardAlphabet : kUrlSafeAlphabet;
  const auto* in = reinterpret_cast<const uint8_t*>(bytes.data());
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  uint32_t v = uint32_t{in[i]} << 16;
  if (rest == 2) v |= uint32_t{in[i + 1]} << 8;
  out.push_back(alphabet[(v >> 18) & 63]);
  out.push_back(alphabet[(v >> 12) & 63]);
  if (rest == 2) out.push_back(alphabet[(v >> 6) & 63]);
  if (standard) out.append(rest == 1 ? "==" : "=");
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text, Base64Variant variant) {
  static const std::array<int8_t, 256> kStandardTable = ReverseTable(kStandardAlphabet);
  static const std::array<int8_t, 256> kUrlSafeTable = ReverseTable(kUrlSafeAlphabet);
  const bool standard = variant == Base64Variant::kStandard;
  const std::array<int8_t, 256>& table = standard ? kStandardTable : kUrlSafeTable;

  if (standard) {
    if (text.size() % 4 != 0) return absl::InvalidArgumentError("base64 text is not padded");
    if (text.ends_with("==")) {
      text.remove_suffix(2);
    } else if (text.ends_with("=")) {
      text.remove_suffix(1);
    }
  }
  if (text.size() % 4 == 1) return absl::InvalidArgumentError("base64 text has an invalid length");

  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int8_t v = table[static_cast<uint8_t>(c)];
    if (v < 0) {
      return absl::InvalidArgumentError("base64 text has a character outside its alphabet");
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // The leftover bits of a final partial group must be zero for the encoding to be canonical.
  if ((acc & ((1u << bits) - 1)) != 0) {
    return absl::InvalidArgumentError("base64 text has non-zero padding bits");
  }
  return out;
}

}  // namespace datamesh::crypto
