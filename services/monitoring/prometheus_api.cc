#include "services/monitoring/prometheus_api.h"

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/match.h"
#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/prometheus_params.h"
#include "services/monitoring/promql/api_json.h"
#include "services/monitoring/promql/lexer.h"
#include "services/monitoring/promql/parser.h"
#include "shared/status/status.h"

namespace datamesh::monitoring {
namespace {

using promql::LabelMatcher;
using promql::TokenKind;

constexpr int64_t kMaxPointsPerSeries = 11'000;

std::string_view FormValue(const ApiParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

std::vector<std::string> FormValues(const ApiParams& params, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : params) {
    if (k == name) out.push_back(v);
  }
  return out;
}

absl::Status InvalidParam(std::string_view name, const absl::Status& cause) {
  return absl::InvalidArgumentError(Cat("invalid parameter \"", name, "\": ", cause.message()));
}

// Prometheus' parseTimeParam: `fallback` when absent.
absl::StatusOr<int64_t> TimeParam(const ApiParams& params, std::string_view name,
                                  int64_t fallback) {
  const std::string_view text = FormValue(params, name);
  if (text.empty()) return fallback;
  absl::StatusOr<int64_t> t = ParseApiTime(text);
  if (!t.ok()) {
    return InvalidParam(name, absl::InvalidArgumentError(Cat("Invalid time value for '", name,
                                                             "': ", t.status().message())));
  }
  return t;
}

absl::Status CheckTimeout(const ApiParams& params) {
  const std::string_view text = FormValue(params, "timeout");
  if (text.empty()) return absl::OkStatus();
  absl::StatusOr<int64_t> d = ParseApiDuration(text);
  return d.ok() ? absl::OkStatus() : InvalidParam("timeout", d.status());
}

absl::Status CheckQuery(std::string_view query) {
  absl::StatusOr<promql::ExprPtr> parsed = promql::ParseQuery(query);
  return parsed.ok() ? absl::OkStatus() : InvalidParam("query", parsed.status());
}

std::string TokenText(const promql::Token& t) {
  switch (t.kind) {
    case TokenKind::kIdentifier:
      return t.text == "offset" ? "<offset>" : "identifier " + GoQuote(t.text);
    case TokenKind::kNumber: return "number " + GoQuote(t.text);
    case TokenKind::kDuration: return "duration " + GoQuote(t.text);
    case TokenKind::kString: return "string " + GoQuote(t.text);
    case TokenKind::kEnd: return "end of input";
    default: return GoQuote(t.text);
  }
}

// Prometheus' ParseMetricSelector: a name and/or {matchers}, nothing more.
absl::StatusOr<std::vector<LabelMatcher>> ParseSelector(const std::string& text) {
  absl::StatusOr<promql::ExprPtr> expr = promql::ParseQuery(text);
  if (!expr.ok()) {
    // Prometheus checks for an empty-matching selector after parsing, with its own words.
    if (absl::EndsWith(expr.status().message(), "at least one non-empty matcher")) {
      return absl::InvalidArgumentError("match[] must contain at least one non-empty matcher");
    }
    return expr.status();
  }
  if (const auto* s = std::get_if<promql::VectorSelector>(&(*expr)->node); s && s->offset_ms == 0) {
    return s->matchers;
  }
  // Valid PromQL but not a bare selector: name the first token past the selector.
  ASSIGN_OR_RETURN(std::vector<promql::Token> tokens, promql::Lex(text));
  size_t i = 0;  // `tokens` ends with kEnd: the walk stays inside
  if (tokens[i].kind == TokenKind::kIdentifier) ++i;
  if (tokens[i].kind == TokenKind::kLeftBrace) {
    while (tokens[i].kind != TokenKind::kRightBrace && tokens[i].kind != TokenKind::kEnd) ++i;
    if (tokens[i].kind == TokenKind::kRightBrace) ++i;
  }
  return promql::ParseError(text, tokens[i].position, "unexpected " + TokenText(tokens[i]));
}

std::string JsonString(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string JsonList(const std::set<std::string>& items) {
  std::string out = "[";
  for (const std::string& s : items) {
    if (out.size() > 1) out += ",";
    out += JsonString(s);
  }
  return GoJsonEscapes(out + "]");
}

}  // namespace

std::string GoJsonEscapes(std::string json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xe2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
               (json[i + 2] == '\xa8' || json[i + 2] == '\xa9')) {
      out += json[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

PrometheusApi::PrometheusApi(const promql::SeriesSource& source, promql::EngineOptions options)
    : source_(source), engine_(source, options) {}

absl::StatusOr<std::string> PrometheusApi::Query(const ApiParams& params, absl::Time now) const {
  ASSIGN_OR_RETURN(int64_t t, TimeParam(params, "time", absl::ToUnixMillis(now)));
  RETURN_IF_ERROR(CheckTimeout(params));
  const std::string_view query = FormValue(params, "query");
  RETURN_IF_ERROR(CheckQuery(query));
  ASSIGN_OR_RETURN(promql::QueryResult result, engine_.InstantQuery(query, t));
  return GoJsonEscapes(promql::RenderQueryData(result));
}

absl::StatusOr<std::string> PrometheusApi::QueryRange(const ApiParams& params) const {
  absl::StatusOr<int64_t> start = ParseApiTime(FormValue(params, "start"));
  if (!start.ok()) return InvalidParam("start", start.status());
  absl::StatusOr<int64_t> end = ParseApiTime(FormValue(params, "end"));
  if (!end.ok()) return InvalidParam("end", end.status());
  if (*end < *start) {
    return InvalidParam("end",
                        absl::InvalidArgumentError("end timestamp must not be before start time"));
  }
  absl::StatusOr<int64_t> step = ParseApiDuration(FormValue(params, "step"));
  if (!step.ok()) return InvalidParam("step", step.status());
  if (*step <= 0) {
    return InvalidParam(
        "step", absl::InvalidArgumentError("zero or negative query resolution step widths are not "
                                           "accepted. Try a positive integer"));
  }
  if ((*end - *start) / *step > kMaxPointsPerSeries) {
    return absl::InvalidArgumentError(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  RETURN_IF_ERROR(CheckTimeout(params));
  const std::string_view query = FormValue(params, "query");
  RETURN_IF_ERROR(CheckQuery(query));
  ASSIGN_OR_RETURN(promql::QueryResult result, engine_.RangeQuery(query, *start, *end, *step));
  return GoJsonEscapes(promql::RenderQueryData(result));
}

absl::StatusOr<std::vector<promql::Labels>> PrometheusApi::MatchingSeries(
    const ApiParams& params, bool match_required) const {
  std::vector<std::string> matches = FormValues(params, "match[]");
  if (match_required && matches.empty()) {
    return absl::InvalidArgumentError("no match[] parameter provided");
  }
  ASSIGN_OR_RETURN(int64_t start, TimeParam(params, "start", kApiMinTimeMs));
  ASSIGN_OR_RETURN(int64_t end, TimeParam(params, "end", kApiMaxTimeMs));
  std::vector<std::vector<LabelMatcher>> selectors;
  for (const std::string& m : matches) {
    absl::StatusOr<std::vector<LabelMatcher>> selector = ParseSelector(m);
    if (!selector.ok()) return InvalidParam("match[]", selector.status());
    selectors.push_back(*std::move(selector));
  }
  if (selectors.empty()) {  // every series
    ASSIGN_OR_RETURN(LabelMatcher any,
                     LabelMatcher::Make(promql::MatchType::kRegexMatch, "__name__", ".+"));
    selectors.push_back({any});
  }
  return source_.FindSeries(selectors, start, end);
}

absl::StatusOr<std::string> PrometheusApi::Series(const ApiParams& params) const {
  ASSIGN_OR_RETURN(std::vector<promql::Labels> series, MatchingSeries(params, true));
  std::string out = "[";
  for (const promql::Labels& labels : series) {
    if (out.size() > 1) out += ",";
    out += "{";
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) out += ",";
      out += JsonString(labels[i].name) + ":" + JsonString(labels[i].value);
    }
    out += "}";
  }
  return GoJsonEscapes(out + "]");
}

absl::StatusOr<std::string> PrometheusApi::LabelNames(const ApiParams& params) const {
  ASSIGN_OR_RETURN(std::vector<promql::Labels> series, MatchingSeries(params, false));
  std::set<std::string> names;
  for (const promql::Labels& labels : series) {
    for (const promql::Label& l : labels) names.insert(l.name);
  }
  return JsonList(names);
}

absl::StatusOr<std::string> PrometheusApi::LabelValues(std::string_view name,
                                                       const ApiParams& params) const {
  if (!IsValidLabelName(name)) {
    return absl::InvalidArgumentError(Cat("invalid label name: ", GoQuote(name)));
  }
  ASSIGN_OR_RETURN(std::vector<promql::Labels> series, MatchingSeries(params, false));
  std::set<std::string> values;
  for (const promql::Labels& labels : series) {
    if (std::string_view v = promql::GetLabel(labels, name); !v.empty()) values.emplace(v);
  }
  return JsonList(values);
}

}  // namespace datamesh::monitoring
