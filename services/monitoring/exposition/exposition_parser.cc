#include "services/monitoring/exposition/exposition_parser.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/monitoring/exposition/text_util.h"

namespace datamesh::monitoring::exposition {
namespace {

bool IsNameStart(char c) { return absl::ascii_isalpha(c) || c == '_' || c == ':'; }
bool IsNameChar(char c) { return IsNameStart(c) || absl::ascii_isdigit(c); }
bool IsLabelStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsLabelChar(char c) { return IsLabelStart(c) || absl::ascii_isdigit(c); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// A read position in one line. Every accessor checks the bounds, so no input can make the
// parser read outside the line.
class Cursor {
 public:
  explicit Cursor(std::string_view line) : line_(line) {}
  bool AtEnd() const { return pos_ >= line_.size(); }
  char Peek() const { return AtEnd() ? '\0' : line_[pos_]; }
  void Advance() { ++pos_; }
  bool Consume(char c) {
    if (Peek() != c || AtEnd()) return false;
    ++pos_;
    return true;
  }
  // Skips blanks; true when there was at least one.
  bool SkipBlanks() {
    const size_t start = pos_;
    while (!AtEnd() && IsBlank(line_[pos_])) ++pos_;
    return pos_ > start;
  }
  template <typename Pred>
  std::string_view TakeWhile(Pred pred) {
    const size_t start = pos_;
    while (!AtEnd() && pred(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }
  std::string_view Rest() const { return AtEnd() ? std::string_view() : line_.substr(pos_); }
  size_t column() const { return pos_ + 1; }

 private:
  std::string_view line_;
  size_t pos_ = 0;
};

std::string_view TakeName(Cursor& c) {
  if (!IsNameStart(c.Peek())) return {};
  return c.TakeWhile(IsNameChar);
}

class Parser {
 public:
  Parser(Format format, const ParseLimits& limits) : format_(format), limits_(limits) {}

  absl::Status ParseBody(std::string_view body);
  Exposition Take() && { return std::move(out_); }

 private:
  bool open_metrics() const { return format_ == Format::kOpenMetrics; }
  absl::Status Error(std::string_view message) const {
    return absl::InvalidArgumentError(Cat("line ", line_no_, ": ", message));
  }
  absl::Status ParseLine(std::string_view line);
  absl::Status ParseComment(std::string_view line);
  absl::Status ParseMetadata(std::string_view keyword, Cursor& c);
  absl::Status ParseSample(std::string_view line);
  absl::Status ParseLabels(Cursor& c, Labels& labels);
  absl::Status ParseQuotedValue(Cursor& c, std::string& value);
  absl::Status ParseTimestamp(std::string_view token, std::optional<int64_t>& out) const;
  absl::Status ParseExemplar(Cursor& c);
  absl::Status CheckSpecialLabels(const Sample& sample) const;
  Metadata& MetadataFor(std::string_view family);

  const Format format_;
  const ParseLimits& limits_;
  Exposition out_;
  absl::flat_hash_map<std::string, size_t> metadata_index_;  // family -> metadata position
  // Which of HELP/TYPE/UNIT each family already had: a second one is an error.
  absl::flat_hash_map<std::string, int> seen_keywords_;
  size_t line_no_ = 0;
  bool saw_eof_ = false;
};

absl::Status Parser::ParseBody(std::string_view body) {
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    ++line_no_;
    if (end - start > limits_.max_line_bytes) {
      return absl::ResourceExhaustedError(
          Cat("line ", line_no_, ": longer than ", limits_.max_line_bytes, " bytes"));
    }
    if (saw_eof_) return Error("content after # EOF");
    if (absl::Status s = ParseLine(body.substr(start, end - start)); !s.ok()) return s;
    start = end + 1;
  }
  if (open_metrics() && !saw_eof_) {
    ++line_no_;
    return Error("missing # EOF at the end of an OpenMetrics body");
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseLine(std::string_view line) {
  if (line.empty() || std::all_of(line.begin(), line.end(), IsBlank)) {
    if (open_metrics()) return Error("empty line (not allowed in OpenMetrics)");
    return absl::OkStatus();
  }
  if (line[0] == '#') return ParseComment(line);
  return ParseSample(line);
}

absl::Status Parser::ParseComment(std::string_view line) {
  Cursor c(line.substr(1));
  const bool blank = c.SkipBlanks();
  const std::string_view keyword = c.TakeWhile([](char ch) { return !IsBlank(ch); });
  if (open_metrics()) {
    if (line == "# EOF") {
      saw_eof_ = true;
      return absl::OkStatus();
    }
    if (line.substr(0, 2) != "# " ||
        (keyword != "HELP" && keyword != "TYPE" && keyword != "UNIT")) {
      return Error("OpenMetrics allows no comments other than # HELP, # TYPE, # UNIT and # EOF");
    }
    return ParseMetadata(keyword, c);
  }
  // Text 0.0.4: any other comment is ignored.
  if (!blank || (keyword != "HELP" && keyword != "TYPE")) return absl::OkStatus();
  return ParseMetadata(keyword, c);
}

absl::Status Parser::ParseMetadata(std::string_view keyword, Cursor& c) {
  if (!c.SkipBlanks()) return Error(Cat("# ", keyword, " without a metric name"));
  const std::string_view family = TakeName(c);
  if (family.empty()) return Error(Cat("# ", keyword, ": invalid metric name"));
  if (!c.AtEnd() && !IsBlank(c.Peek())) {
    return Error(Cat("# ", keyword, ": invalid character in metric name"));
  }
  const int bit = keyword == "HELP" ? 1 : keyword == "TYPE" ? 2 : 4;
  int& seen = seen_keywords_[std::string(family)];
  if (seen & bit) return Error(Cat("second # ", keyword, " line for ", family));
  seen |= bit;
  Metadata& meta = MetadataFor(family);
  if (keyword == "HELP") {
    // The rest of the line is the docstring, with \\ \n (and \") escaped.
    // OpenMetrics separates it by exactly one space; the text format by any run of blanks.
    if (open_metrics()) {
      if (!c.AtEnd()) c.Advance();
    } else {
      c.SkipBlanks();
    }
    const std::string_view text = c.Rest();
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\\') {
        meta.help.push_back(text[i]);
        continue;
      }
      const char next = i + 1 < text.size() ? text[i + 1] : '\0';
      if (next == 'n') {
        meta.help.push_back('\n');
      } else if (next == '\\' || next == '"') {
        meta.help.push_back(next);
      } else {
        return Error("invalid escape sequence in # HELP (only \\\\, \\n and \\\" are allowed)");
      }
      ++i;
    }
    return absl::OkStatus();
  }
  c.SkipBlanks();
  const std::string_view word = c.TakeWhile([](char ch) { return !IsBlank(ch); });
  c.SkipBlanks();
  if (!c.AtEnd()) return Error(Cat("# ", keyword, ": unexpected text after ", word));
  if (keyword == "UNIT") {
    meta.unit = std::string(word);
    return absl::OkStatus();
  }
  static constexpr std::pair<std::string_view, MetricType> kTypes[] = {
      {"counter", MetricType::kCounter},
      {"gauge", MetricType::kGauge},
      {"histogram", MetricType::kHistogram},
      {"summary", MetricType::kSummary},
      {"untyped", MetricType::kUnknown},
      {"unknown", MetricType::kUnknown},
      {"gaugehistogram", MetricType::kGaugeHistogram},
      {"info", MetricType::kInfo},
      {"stateset", MetricType::kStateSet},
  };
  // The first five belong to text 0.0.4 (where "unknown" is not a word); OpenMetrics has every
  // one but "untyped".
  for (size_t i = 0; i < std::size(kTypes); ++i) {
    const bool allowed =
        open_metrics() ? kTypes[i].first != "untyped" : i < 5 && kTypes[i].first != "unknown";
    if (allowed && word == kTypes[i].first) {
      meta.type = kTypes[i].second;
      return absl::OkStatus();
    }
  }
  return Error(Cat("unknown metric type \"", word, "\""));
}

Metadata& Parser::MetadataFor(std::string_view family) {
  auto [it, inserted] = metadata_index_.try_emplace(std::string(family), out_.metadata.size());
  if (inserted) out_.metadata.push_back(Metadata{.family = std::string(family)});
  return out_.metadata[it->second];
}

absl::Status Parser::ParseQuotedValue(Cursor& c, std::string& value) {
  if (!c.Consume('"')) return Error(Cat("column ", c.column(), ": label value is not quoted"));
  while (true) {
    if (c.AtEnd()) return Error("label value without its closing quote");
    const char ch = c.Peek();
    c.Advance();
    if (ch == '"') return absl::OkStatus();
    if (ch != '\\') {
      value.push_back(ch);
      continue;
    }
    const char next = c.Peek();
    if (c.AtEnd() || (next != '\\' && next != '"' && next != 'n')) {
      return Error(
          Cat("column ", c.column(), ": invalid escape in label value (only \\\\, \\\" and \\n)"));
    }
    value.push_back(next == 'n' ? '\n' : next);
    c.Advance();
  }
}

absl::Status Parser::ParseLabels(Cursor& c, Labels& labels) {
  // Called after '{'. Accepts a trailing comma, as both formats' parsers in Prometheus do.
  while (true) {
    c.SkipBlanks();
    if (c.Consume('}')) break;
    if (!IsLabelStart(c.Peek())) {
      return Error(Cat("column ", c.column(), ": expected a label name or '}'"));
    }
    Label label{.name = std::string(c.TakeWhile(IsLabelChar))};
    c.SkipBlanks();
    if (!c.Consume('=')) {
      return Error(Cat("column ", c.column(), ": expected '=' after label ", label.name));
    }
    c.SkipBlanks();
    if (absl::Status s = ParseQuotedValue(c, label.value); !s.ok()) return s;
    labels.push_back(std::move(label));
    if (labels.size() > limits_.max_labels_per_sample) {
      return absl::ResourceExhaustedError(
          Cat("line ", line_no_, ": more than ", limits_.max_labels_per_sample, " labels"));
    }
    c.SkipBlanks();
    if (c.Consume(',')) continue;
    if (c.Consume('}')) break;
    return Error(Cat("column ", c.column(), ": expected ',' or '}' after a label"));
  }
  std::sort(labels.begin(), labels.end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
  for (size_t i = 1; i < labels.size(); ++i) {
    if (labels[i].name == labels[i - 1].name) {
      return Error(Cat("duplicate label ", labels[i].name));
    }
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseTimestamp(std::string_view token, std::optional<int64_t>& out) const {
  if (!open_metrics()) {
    out = ParseInt64Text(token);
    if (!out) return Error(Cat("invalid timestamp \"", token, "\" (integer ms)"));
    return absl::OkStatus();
  }
  const std::optional<double> seconds = ParseFloatText(token);
  // 9.2e15 s is where milliseconds stop fitting an int64.
  if (!seconds || !std::isfinite(*seconds) || std::fabs(*seconds) > 9.2e15) {
    return Error(Cat("invalid timestamp \"", token, "\" (seconds)"));
  }
  out = std::llround(*seconds * 1000);
  return absl::OkStatus();
}

absl::Status Parser::ParseExemplar(Cursor& c) {
  // " # {labels} value [timestamp]": checked for syntax, then dropped.
  c.SkipBlanks();
  Labels labels;
  if (!c.Consume('{')) return Error("exemplar without its label set");
  if (absl::Status s = ParseLabels(c, labels); !s.ok()) return s;
  c.SkipBlanks();
  const std::string_view value = c.TakeWhile([](char ch) { return !IsBlank(ch); });
  if (!ParseFloatText(value)) return Error(Cat("invalid exemplar value \"", value, "\""));
  c.SkipBlanks();
  if (c.AtEnd()) return absl::OkStatus();
  std::optional<int64_t> ts;
  if (absl::Status s = ParseTimestamp(c.TakeWhile([](char ch) { return !IsBlank(ch); }), ts);
      !s.ok()) {
    return s;
  }
  c.SkipBlanks();
  if (!c.AtEnd()) return Error("unexpected text after the exemplar");
  return absl::OkStatus();
}

absl::Status Parser::ParseSample(std::string_view line) {
  Cursor c(line);
  Sample sample{.name = std::string(TakeName(c))};
  if (sample.name.empty()) return Error("expected a metric name");
  bool blank = c.SkipBlanks();
  if (c.Consume('{')) {
    if (absl::Status s = ParseLabels(c, sample.labels); !s.ok()) return s;
    blank = c.SkipBlanks();
  }
  if (!blank) {
    return Error(Cat("column ", c.column(), ": expected a blank before the value"));
  }
  const std::string_view value = c.TakeWhile([](char ch) { return !IsBlank(ch); });
  const std::optional<double> parsed = ParseFloatText(value);
  if (!parsed) return Error(Cat("invalid value \"", value, "\""));
  sample.value = *parsed;
  c.SkipBlanks();
  if (!c.AtEnd() && c.Peek() != '#') {
    const std::string_view ts = c.TakeWhile([](char ch) { return !IsBlank(ch); });
    if (absl::Status s = ParseTimestamp(ts, sample.timestamp_ms); !s.ok()) return s;
    c.SkipBlanks();
  }
  if (!c.AtEnd()) {
    if (!open_metrics() || !c.Consume('#')) {
      return Error(Cat("column ", c.column(), ": unexpected text after the sample"));
    }
    if (absl::Status s = ParseExemplar(c); !s.ok()) return s;
  }
  if (absl::Status s = CheckSpecialLabels(sample); !s.ok()) return s;
  if (out_.samples.size() >= limits_.max_samples) {
    return absl::ResourceExhaustedError(
        Cat("line ", line_no_, ": more than ", limits_.max_samples, " samples"));
  }
  out_.samples.push_back(std::move(sample));
  return absl::OkStatus();
}

// A histogram bucket needs a numeric `le`, a summary quantile a numeric `quantile`: without
// them the series cannot be used as what its TYPE line says it is.
absl::Status Parser::CheckSpecialLabels(const Sample& sample) const {
  auto label_is_number = [&](std::string_view name) {
    for (const Label& l : sample.labels) {
      if (l.name == name) return ParseFloatText(l.value).has_value();
    }
    return false;
  };
  auto family_type = [&](std::string_view family) {
    auto it = metadata_index_.find(std::string(family));
    return it == metadata_index_.end() ? MetricType::kUnknown : out_.metadata[it->second].type;
  };
  std::string_view name = sample.name;
  if (name.size() > 7 && name.substr(name.size() - 7) == "_bucket") {
    name.remove_suffix(7);
    const MetricType t = family_type(name);
    if ((t == MetricType::kHistogram || t == MetricType::kGaugeHistogram) &&
        !label_is_number("le")) {
      return Error(Cat("histogram bucket ", sample.name, " without a numeric le label"));
    }
  } else if (family_type(sample.name) == MetricType::kSummary) {
    if (!label_is_number("quantile")) {
      return Error(Cat("summary ", sample.name, " without a numeric quantile label"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

Format FormatFromContentType(std::string_view content_type) {
  const absl::string_view type(content_type.data(), content_type.size());
  return absl::StartsWithIgnoreCase(absl::StripLeadingAsciiWhitespace(type),
                                    "application/openmetrics-text")
             ? Format::kOpenMetrics
             : Format::kPrometheusText;
}

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kUnknown: return "unknown";
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kInfo: return "info";
    case MetricType::kStateSet: return "stateset";
  }
  return "unknown";
}

absl::StatusOr<Exposition> ParseExposition(std::string_view body, Format format,
                                           const ParseLimits& limits) {
  Parser parser(format, limits);
  if (absl::Status s = parser.ParseBody(body); !s.ok()) return s;
  return std::move(parser).Take();
}

}  // namespace datamesh::monitoring::exposition
