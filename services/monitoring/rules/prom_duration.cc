#include "services/monitoring/rules/prom_duration.h"

#include <cctype>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "services/monitoring/exposition/text_util.h"

namespace datamesh::monitoring::rules {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t ms;
};
// Longest suffix first where one is a prefix of another ("ms" before "m").
constexpr Unit kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                           {"w", 7LL * 24 * 3600 * 1000},
                           {"d", 24LL * 3600 * 1000},
                           {"h", 3600LL * 1000},
                           {"m", 60LL * 1000},
                           {"s", 1000},
                           {"ms", 1}};

absl::Status Bad(std::string_view text) {
  return absl::InvalidArgumentError(
      Cat("not a valid duration string: \"", text, "\" (e.g. 30s, 5m, 1h30m)"));
}

}  // namespace

absl::StatusOr<absl::Duration> ParsePromDuration(std::string_view text) {
  if (text.empty()) return Bad(text);
  if (text == "0") return absl::ZeroDuration();
  int64_t total_ms = 0;
  size_t pos = 0;
  size_t next_unit = 0;  // units must come in kUnits order, each once
  while (pos < text.size()) {
    int64_t n = 0;
    const size_t digits_start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (n > std::numeric_limits<int64_t>::max() / 10) return Bad(text);
      n = n * 10 + (text[pos++] - '0');
    }
    if (pos == digits_start) return Bad(text);
    size_t unit = next_unit;
    for (; unit < std::size(kUnits); ++unit) {
      const std::string_view s = kUnits[unit].suffix;
      // "m" must not swallow the "m" of "ms".
      if (text.substr(pos, s.size()) == s && !(s == "m" && text.substr(pos, 2) == "ms")) {
        break;
      }
    }
    if (unit == std::size(kUnits)) return Bad(text);
    if (n > std::numeric_limits<int64_t>::max() / kUnits[unit].ms) return Bad(text);
    total_ms += n * kUnits[unit].ms;
    if (total_ms < 0) return Bad(text);
    pos += kUnits[unit].suffix.size();
    next_unit = unit + 1;
  }
  return absl::Milliseconds(total_ms);
}

std::string FormatPromDuration(absl::Duration d) {
  int64_t ms = absl::ToInt64Milliseconds(d);
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (const Unit& u : kUnits) {
    if (ms >= u.ms) {
      out += Cat(ms / u.ms, u.suffix);
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace datamesh::monitoring::rules
