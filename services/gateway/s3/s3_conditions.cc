#include "services/gateway/s3/s3_conditions.h"

#include <string>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/gateway/s3/auth/absl_view.h"

namespace datamesh::gateway::s3 {
namespace {

bool EtagListMatches(std::string_view list, std::string_view etag) {
  for (absl::string_view item : absl::StrSplit(Av(list), ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (item == "*") return true;
    absl::ConsumePrefix(&item, "W/");
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
      item = item.substr(1, item.size() - 2);
    }
    if (item == Av(etag)) return true;
  }
  return false;
}

absl::Time Seconds(absl::Time t) { return absl::FromUnixSeconds(absl::ToUnixSeconds(t)); }

}  // namespace

std::optional<absl::Time> ParseConditionDate(std::string_view text) {
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  const std::string s(absl::StripAsciiWhitespace(Av(text)));
  for (const char* format : kFormats) {
    absl::Time t;
    std::string error;
    if (absl::ParseTime(format, s, absl::UTCTimeZone(), &t, &error)) return t;
  }
  return std::nullopt;
}

std::string FormatHttpDate(absl::Time t) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, absl::UTCTimeZone());
}

ConditionOutcome Evaluate(const Conditions& c, std::string_view etag, absl::Time last_modified) {
  const absl::Time modified = Seconds(last_modified);
  if (c.if_match) {
    if (!EtagListMatches(*c.if_match, etag)) return ConditionOutcome::kPreconditionFailed;
  } else if (c.if_unmodified_since) {
    std::optional<absl::Time> since = ParseConditionDate(*c.if_unmodified_since);
    if (since && modified > *since) return ConditionOutcome::kPreconditionFailed;
  }
  if (c.if_none_match) {
    if (EtagListMatches(*c.if_none_match, etag)) return ConditionOutcome::kNotModified;
  } else if (c.if_modified_since) {
    std::optional<absl::Time> since = ParseConditionDate(*c.if_modified_since);
    if (since && modified <= *since) return ConditionOutcome::kNotModified;
  }
  return ConditionOutcome::kProceed;
}

}  // namespace datamesh::gateway::s3
