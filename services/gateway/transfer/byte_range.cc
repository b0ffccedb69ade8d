#include "services/gateway/transfer/byte_range.h"

#include <algorithm>
#include <charconv>

#include "services/gateway/transfer/http_ows.h"

namespace datamesh::gateway {
namespace {

// A non-empty run of digits that fits uint64_t, leading zeros allowed (RFC 9110: 1*DIGIT).
// No cap on the digits: 20 of them still fit, and a range the server answers with must parse
// back when a client sends it again.
std::optional<uint64_t> ParseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

RangeRequest Partial(uint64_t offset, uint64_t length) {
  return {RangeRequest::Kind::kPartial, offset, length};
}

}  // namespace

RangeRequest ParseRange(std::optional<std::string_view> header, uint64_t size) {
  const RangeRequest whole;
  const RangeRequest unsatisfiable{RangeRequest::Kind::kUnsatisfiable, 0, 0};
  if (!header) return whole;
  std::string_view spec = TrimOws(*header);
  constexpr std::string_view kUnit = "bytes=";
  if (spec.substr(0, kUnit.size()) != kUnit) return whole;
  spec = TrimOws(spec.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return whole;  // several ranges: not served
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view first = TrimOws(spec.substr(0, dash));
  const std::string_view last = TrimOws(spec.substr(dash + 1));
  if (first.empty()) {  // suffix: the last n bytes
    std::optional<uint64_t> n = ParseNumber(last);
    if (!n) return whole;
    if (*n == 0 || size == 0) return unsatisfiable;
    const uint64_t length = std::min(*n, size);
    return Partial(size - length, length);
  }
  std::optional<uint64_t> start = ParseNumber(first);
  if (!start) return whole;
  std::optional<uint64_t> end;
  if (!last.empty()) {
    end = ParseNumber(last);
    if (!end || *end < *start) return whole;  // invalid spec: ignored
  }
  if (*start >= size) return unsatisfiable;
  const uint64_t stop = end ? std::min(*end, size - 1) : size - 1;
  return Partial(*start, stop - *start + 1);
}

}  // namespace datamesh::gateway
