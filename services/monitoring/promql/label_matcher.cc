#include <re2/re2.h>

#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring::promql {

absl::StatusOr<LabelMatcher> LabelMatcher::Make(MatchType type, std::string name,
                                                std::string value) {
  std::shared_ptr<const re2::RE2> regex;
  if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
    // Prometheus anchors every label regex: "a|b" must match the whole value.
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto compiled = std::make_shared<re2::RE2>("^(?:" + value + ")$", options);
    if (!compiled->ok()) {
      return absl::InvalidArgumentError(
          Cat("invalid regular expression \"", value, "\": ", compiled->error()));
    }
    regex = std::move(compiled);
  }
  return LabelMatcher(type, std::move(name), std::move(value), std::move(regex));
}

LabelMatcher::LabelMatcher(MatchType type, std::string name, std::string value,
                           std::shared_ptr<const re2::RE2> regex)
    : type_(type), name_(std::move(name)), value_(std::move(value)), regex_(std::move(regex)) {}

bool LabelMatcher::Matches(std::string_view value) const {
  switch (type_) {
    case MatchType::kEqual: return value == value_;
    case MatchType::kNotEqual: return value != value_;
    case MatchType::kRegexMatch:
      return re2::RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *regex_);
    case MatchType::kRegexNoMatch:
      return !re2::RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *regex_);
  }
  return false;
}

bool MatchesAll(const std::vector<LabelMatcher>& matchers, const Labels& labels) {
  for (const LabelMatcher& m : matchers) {
    if (!m.Matches(GetLabel(labels, m.name()))) return false;
  }
  return true;
}

}  // namespace datamesh::monitoring::promql
