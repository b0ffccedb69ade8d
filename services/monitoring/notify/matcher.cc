#include "services/monitoring/notify/matcher.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace datamesh::monitoring::notify {
namespace {

bool ValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

// A double-quoted value with JSON escapes, or the bare text.
absl::StatusOr<std::string> Unquote(absl::string_view text) {
  if (text.empty() || text.front() != '"') return std::string(text);
  const nlohmann::json v = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!v.is_string()) return absl::InvalidArgumentError("unterminated or invalid quoted value");
  return v.get<std::string>();
}

}  // namespace

std::string_view MatchOpText(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual: return "=";
    case MatchOp::kNotEqual: return "!=";
    case MatchOp::kRegex: return "=~";
    case MatchOp::kNotRegex: return "!~";
  }
  return "=";
}

absl::StatusOr<Matcher> Matcher::Make(std::string name, MatchOp op, std::string value) {
  if (!ValidLabelName(name)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid label name \"", name, "\""));
  }
  std::shared_ptr<const RE2> re;
  if (op == MatchOp::kRegex || op == MatchOp::kNotRegex) {
    RE2::Options options;
    options.set_log_errors(false);
    re = std::make_shared<const RE2>(absl::StrCat("^(?:", value, ")$"), options);
    if (!re->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid regular expression \"", value, "\": ", re->error()));
    }
  }
  return Matcher(std::move(name), op, std::move(value), std::move(re));
}

absl::StatusOr<Matcher> Matcher::Parse(std::string_view text_in) {
  const absl::string_view text(text_in.data(), text_in.size());
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  // The first of '=' or '!' after the name starts the operator.
  const size_t at = trimmed.find_first_of("=!");
  if (at == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("matcher \"", text, "\" has no operator (=, !=, =~, !~)"));
  }
  MatchOp op;
  size_t value_at;
  if (trimmed[at] == '!') {
    if (at + 1 >= trimmed.size() || (trimmed[at + 1] != '=' && trimmed[at + 1] != '~')) {
      return absl::InvalidArgumentError(
          absl::StrCat("matcher \"", text, "\" has no operator (=, !=, =~, !~)"));
    }
    op = trimmed[at + 1] == '=' ? MatchOp::kNotEqual : MatchOp::kNotRegex;
    value_at = at + 2;
  } else if (at + 1 < trimmed.size() && trimmed[at + 1] == '~') {
    op = MatchOp::kRegex;
    value_at = at + 2;
  } else {
    op = MatchOp::kEqual;
    value_at = at + 1;
  }
  std::string name(absl::StripAsciiWhitespace(trimmed.substr(0, at)));
  absl::StatusOr<std::string> value = Unquote(absl::StripAsciiWhitespace(trimmed.substr(value_at)));
  if (!value.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("matcher \"", text, "\": ", value.status().message()));
  }
  absl::StatusOr<Matcher> m = Make(std::move(name), op, *std::move(value));
  if (!m.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("matcher \"", text, "\": ", m.status().message()));
  }
  return m;
}

bool Matcher::Matches(const promql::Labels& labels) const {
  const std::string_view v = promql::GetLabel(labels, name_);
  switch (op_) {
    case MatchOp::kEqual: return v == value_;
    case MatchOp::kNotEqual: return v != value_;
    case MatchOp::kRegex: return RE2::FullMatch(v, *re_);
    case MatchOp::kNotRegex: return !RE2::FullMatch(v, *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  return absl::StrCat(name_, std::string(MatchOpText(op_)), nlohmann::json(value_).dump());
}

bool MatchesAll(const std::vector<Matcher>& matchers, const promql::Labels& labels) {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels)) return false;
  }
  return true;
}

}  // namespace datamesh::monitoring::notify
