// What every fuzz target shares: FUZZ_CHECK, which turns a broken invariant into a crash that
// libFuzzer (and the replay driver) report with the input that caused it, and small readers of
// the input formats the targets use.
//
// Most targets take text: lines ("1000\nbytes=0-99") are easy to write as seeds by hand and
// easy for the fuzzer to mutate. Targets that need a few numbers before the bytes they parse use
// FuzzInput, which never reads past the end (missing bytes read as zero).
//
// Thread safety: FuzzInput is a value; use one per thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

// Aborts with the failed condition when `cond` is false. Used for the invariants a target
// checks: an abort is a finding, with the input saved as a crash artifact.
#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) ::datamesh::fuzz::InvariantBroken(__FILE__, __LINE__, #cond); \
  } while (0)

namespace datamesh::fuzz {

[[noreturn]] inline void InvariantBroken(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, condition);
  std::abort();
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// Splits off the text up to the first '\n' (the whole text when there is none) and returns it;
// `text` keeps what follows the '\n'.
inline std::string_view TakeLine(std::string_view& text) {
  const size_t newline = text.find('\n');
  const std::string_view line = text.substr(0, newline);
  text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
  return line;
}

// The decimal numbers of `line`, separated by spaces; anything else ends a number. Each is
// capped at `max` (at least 9).
inline std::vector<uint64_t> Numbers(std::string_view line, uint64_t max) {
  std::vector<uint64_t> out;
  uint64_t value = 0;
  bool in_number = false;
  for (char c : line) {
    if (c >= '0' && c <= '9') {
      const uint64_t digit = static_cast<uint64_t>(c - '0');
      value = value > (max - digit) / 10 ? max : value * 10 + digit;
      in_number = true;
    } else if (in_number) {
      out.push_back(value);
      value = 0;
      in_number = false;
    }
  }
  if (in_number) out.push_back(value);
  return out;
}

// Typed values from the front of a binary input.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(AsText(data, size)) {}

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  bool Bool() { return (Byte() & 1) != 0; }
  // A little-endian 16-bit value.
  uint16_t U16() { return static_cast<uint16_t>(Byte() | (Byte() << 8)); }
  // A value in [lo, hi] (lo <= hi, hi - lo < 65536).
  size_t Pick(size_t lo, size_t hi) { return lo + U16() % (hi - lo + 1); }
  // Up to `max` bytes, the count chosen by the input.
  std::string_view Bytes(size_t max) {
    const size_t n = std::min(Pick(0, max), rest_.size());
    const std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }
  bool empty() const { return rest_.empty(); }
  // Everything not read yet.
  std::string_view Rest() {
    const std::string_view out = rest_;
    rest_ = std::string_view();
    return out;
  }

 private:
  std::string_view rest_;
};

}  // namespace datamesh::fuzz
