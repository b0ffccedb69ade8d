#include "services/monitoring/prometheus_params.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/promql/lexer.h"

namespace datamesh::monitoring {
namespace {

// Go's time.Time.Format(RFC3339Nano) of Prometheus' minTime and maxTime, which Go's own
// parser cannot read back (years beyond four digits).
constexpr std::string_view kMinTimeText = "-292273086-05-16T16:47:06Z";
constexpr std::string_view kMaxTimeText = "292277025-08-18T07:12:54.999999999Z";

// Seconds whose milliseconds still fit in an int64.
constexpr double kMaxSeconds = 9.2e15;

}  // namespace

std::string GoQuote(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<int64_t> ParseApiTime(std::string_view text) {
  if (std::optional<double> seconds = ParseFloatText(text);
      seconds && std::isfinite(*seconds) && std::fabs(*seconds) < kMaxSeconds) {
    double whole;
    const double fraction = std::modf(*seconds, &whole);
    return static_cast<int64_t>(whole) * 1000 + static_cast<int64_t>(std::round(fraction * 1000));
  }
  absl::Time t;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &error) &&
      std::fabs(static_cast<double>(absl::ToUnixSeconds(t))) < kMaxSeconds) {
    // Prometheus' timestamp.FromTime: whole milliseconds, the rest dropped.
    return absl::ToUnixSeconds(t) * 1000 +
           absl::ToInt64Milliseconds(t - absl::FromUnixSeconds(absl::ToUnixSeconds(t)));
  }
  if (text == kMinTimeText) return kApiMinTimeMs;
  if (text == kMaxTimeText) return kApiMaxTimeMs;
  return absl::InvalidArgumentError(Cat("cannot parse ", GoQuote(text), " to a valid timestamp"));
}

absl::StatusOr<int64_t> ParseApiDuration(std::string_view text) {
  if (std::optional<double> seconds = ParseFloatText(text); seconds && !std::isnan(*seconds)) {
    if (std::fabs(*seconds * 1e9) > 9.223372036854775807e18) {
      return absl::InvalidArgumentError(
          Cat("cannot parse ", GoQuote(text), " to a valid duration. It overflows int64"));
    }
    return static_cast<int64_t>(*seconds * 1000);
  }
  absl::StatusOr<std::vector<promql::Token>> tokens = promql::Lex(text);
  if (tokens.ok() && tokens->size() == 2 && (*tokens)[0].kind == promql::TokenKind::kDuration &&
      (*tokens)[0].text.size() == text.size()) {
    return (*tokens)[0].duration_ms;
  }
  return absl::InvalidArgumentError(Cat("cannot parse ", GoQuote(text), " to a valid duration"));
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace datamesh::monitoring
