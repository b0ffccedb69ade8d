// Label matchers of routes and silences, as Alertmanager writes them: `name=value`,
// `name!=value`, `name=~regex`, `name!~regex`, the value optionally in double quotes
// (`severity="critical"`). Regular expressions are RE2, anchored at both ends as Prometheus
// anchors them. A label that is absent reads as "".
//
// Immutable after Parse; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "re2/re2.h"
#include "services/monitoring/promql/labels.h"

namespace datamesh::monitoring::notify {

enum class MatchOp { kEqual, kNotEqual, kRegex, kNotRegex };

// "=", "!=", "=~", "!~".
std::string_view MatchOpText(MatchOp op);

class Matcher {
 public:
  // INVALID_ARGUMENT naming the text: no operator, an empty or invalid label name, a regular
  // expression that does not compile, an unterminated quote.
  static absl::StatusOr<Matcher> Parse(std::string_view text);
  // The same from parts (the API's structured form).
  static absl::StatusOr<Matcher> Make(std::string name, MatchOp op, std::string value);

  bool Matches(const promql::Labels& labels) const;

  const std::string& name() const { return name_; }
  MatchOp op() const { return op_; }
  const std::string& value() const { return value_; }
  // `name="value"` (quoted, so it parses back).
  std::string ToString() const;

 private:
  Matcher(std::string name, MatchOp op, std::string value, std::shared_ptr<const RE2> re)
      : name_(std::move(name)), op_(op), value_(std::move(value)), re_(std::move(re)) {}

  std::string name_;
  MatchOp op_;
  std::string value_;
  std::shared_ptr<const RE2> re_;  // set for the regex operators
};

// True when every matcher matches (an empty list matches everything).
bool MatchesAll(const std::vector<Matcher>& matchers, const promql::Labels& labels);

}  // namespace datamesh::monitoring::notify
