#include "services/file-ingest/object_listing.h"

#include <cstdint>

namespace datamesh::file_ingest {
namespace {

// Length in bytes of the UTF-8 sequence whose lead byte is `lead` (1 for continuation bytes,
// which valid input never starts a sequence with).
size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

uint32_t Decode(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i])); };
  switch (s.size()) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1f) << 6) | (b(1) & 0x3f);
    case 3: return ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) | (b(3) & 0x3f);
  }
}

void Encode(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Start of the last UTF-8 sequence of non-empty `s`.
size_t LastSequenceStart(std::string_view s) {
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) --i;
  return i;
}

}  // namespace

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  // PostgreSQL text cannot hold NUL, and every string with the prefix sorts below the prefix
  // with its last code point raised: that string is the exclusive upper bound of the range.
  while (!prefix.empty()) {
    const size_t start = LastSequenceStart(prefix);
    std::string_view last = prefix.substr(start);
    if (last.size() != SequenceLength(static_cast<unsigned char>(last[0]))) return std::nullopt;
    uint32_t cp = Decode(last) + 1;
    if (cp == 0xd800) cp = 0xe000;  // surrogates are not valid in UTF-8
    if (cp <= 0x10ffff) {
      std::string out(prefix.substr(0, start));
      Encode(cp, out);
      return out;
    }
    prefix = prefix.substr(0, start);  // U+10FFFF has no successor: raise the one before
  }
  return std::nullopt;
}

std::optional<std::string> CommonPrefixOf(std::string_view key, std::string_view prefix,
                                          std::string_view delimiter) {
  if (delimiter.empty() || !key.starts_with(prefix)) return std::nullopt;
  const size_t at = key.find(delimiter, prefix.size());
  if (at == std::string_view::npos) return std::nullopt;
  return std::string(key.substr(0, at + delimiter.size()));
}

}  // namespace datamesh::file_ingest
