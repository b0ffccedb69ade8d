#include "tools/thrash/content.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "tools/thrash/rng.h"

namespace datamesh::thrash {
namespace {

constexpr uint64_t kWord = 8;

uint64_t FileBase(uint64_t seed, uint64_t file_key) { return Mix64(seed ^ Mix64(file_key)); }

uint64_t Word(uint64_t base, uint64_t index) { return Mix64(base + index * 0x9e3779b97f4a7c15ULL); }

}  // namespace

void Content::Fill(uint64_t file_key, uint64_t offset, size_t len, char* out) const {
  const uint64_t base = FileBase(seed_, file_key);
  while (len > 0) {
    const uint64_t index = offset / kWord;
    const size_t in = offset % kWord;
    const size_t take = std::min<size_t>(len, kWord - in);
    const uint64_t word = Word(base, index);
    char bytes[kWord];
    std::memcpy(bytes, &word, kWord);  // host order: the same on every run of this binary
    std::memcpy(out, bytes + in, take);
    out += take;
    offset += take;
    len -= take;
  }
}

size_t Content::FirstMismatch(uint64_t file_key, uint64_t offset, std::string_view data) const {
  char expected[4096];
  for (size_t at = 0; at < data.size(); at += sizeof(expected)) {
    const size_t n = std::min(sizeof(expected), data.size() - at);
    Fill(file_key, offset + at, n, expected);
    if (std::memcmp(expected, data.data() + at, n) == 0) continue;
    for (size_t i = 0; i < n; ++i) {
      if (expected[i] != data[at + i]) return at + i;
    }
  }
  return std::string_view::npos;
}

bool ContentVerifier::Accept(std::string_view data) {
  if (!error_.empty()) return false;
  if (data.size() > end_ - next_) {
    error_ = absl::StrCat("more bytes than asked for: ", received_ + data.size(), " > ",
                          received_ + (end_ - next_));
    return false;
  }
  if (size_t bad = content_.FirstMismatch(file_key_, next_, data); bad != std::string_view::npos) {
    error_ = absl::StrCat("wrong byte at file offset ", next_ + bad);
    return false;
  }
  next_ += data.size();
  received_ += data.size();
  return true;
}

}  // namespace datamesh::thrash
