// Fuzz target: strict UTF-8 validation and repair (shared/text/utf8.h), which guards every URL,
// JSON body, protobuf string and log line.
//
// Input (binary): any bytes.
//
// Invariants: the sequence length at every position agrees with an independent decoder written
// from the table of well-formed byte sequences in RFC 3629 section 4 (no overlong forms, no
// surrogates, nothing past U+10FFFF); validity is every position of the walk decoding;
// ToValidUtf8 keeps valid text unchanged, replaces exactly the bytes that start no sequence,
// and always returns valid text.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "shared/text/utf8.h"

namespace {

struct ByteRange {
  uint8_t lo;
  uint8_t hi;
};

struct WellFormed {
  ByteRange bytes[4];
  int length;
};

// RFC 3629 section 4, one row per line of its table.
constexpr WellFormed kTable[] = {
    {{{0x00, 0x7F}}, 1},
    {{{0xC2, 0xDF}, {0x80, 0xBF}}, 2},
    {{{0xE0, 0xE0}, {0xA0, 0xBF}, {0x80, 0xBF}}, 3},
    {{{0xE1, 0xEC}, {0x80, 0xBF}, {0x80, 0xBF}}, 3},
    {{{0xED, 0xED}, {0x80, 0x9F}, {0x80, 0xBF}}, 3},
    {{{0xEE, 0xEF}, {0x80, 0xBF}, {0x80, 0xBF}}, 3},
    {{{0xF0, 0xF0}, {0x90, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}}, 4},
    {{{0xF1, 0xF3}, {0x80, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}}, 4},
    {{{0xF4, 0xF4}, {0x80, 0x8F}, {0x80, 0xBF}, {0x80, 0xBF}}, 4},
};

size_t ReferenceLength(std::string_view s, size_t i) {
  for (const WellFormed& row : kTable) {
    if (i + row.length > s.size()) continue;
    bool match = true;
    for (int k = 0; k < row.length && match; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      match = b >= row.bytes[k].lo && b <= row.bytes[k].hi;
    }
    if (match) return static_cast<size_t>(row.length);
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view s = datamesh::fuzz::AsText(data, size);
  bool valid_walk = true;
  std::string repaired;
  for (size_t i = 0; i < s.size(); ++i) {
    FUZZ_CHECK(datamesh::text::Utf8SequenceLength(s, i) == ReferenceLength(s, i));
  }
  for (size_t i = 0; i < s.size();) {
    const size_t n = ReferenceLength(s, i);
    if (n == 0) {
      valid_walk = false;
      repaired += "\xEF\xBF\xBD";
      ++i;
    } else {
      repaired.append(s.substr(i, n));
      i += n;
    }
  }
  FUZZ_CHECK(datamesh::text::IsValidUtf8(s) == valid_walk);
  const std::string out = datamesh::text::ToValidUtf8(s);
  FUZZ_CHECK(out == repaired);
  FUZZ_CHECK(datamesh::text::IsValidUtf8(out));
  if (valid_walk) FUZZ_CHECK(out == s);
  return 0;
}
