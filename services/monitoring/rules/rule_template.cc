#include "services/monitoring/rules/rule_template.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/monitoring/exposition/text_util.h"

namespace datamesh::monitoring::rules {
namespace {

// std::string_view helpers: Debian's Abseil has a string_view type of its own.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return TrimRight(s);
}

bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (!s->starts_with(prefix)) return false;
  s->remove_prefix(prefix.size());
  return true;
}

enum class Pipe { kNone, kHumanize, kHumanizePercentage, kHumanize1024 };

// One {{ ... }} action once parsed: a label or the value, maybe through a function.
struct Action {
  std::string label;  // non-empty: $labels.<label>
  Pipe pipe = Pipe::kNone;
};

bool IsIdentifier(std::string_view s) {
  if (s.empty() || absl::ascii_isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::optional<Action> ParseAction(std::string_view body) {
  body = Trim(body);
  if (ConsumePrefix(&body, "$labels.")) {
    if (!IsIdentifier(body)) return std::nullopt;
    return Action{std::string(body), Pipe::kNone};
  }
  if (!ConsumePrefix(&body, "$value")) return std::nullopt;
  body = Trim(body);
  if (body.empty()) return Action{};
  if (!ConsumePrefix(&body, "|")) return std::nullopt;
  body = Trim(body);
  if (body == "humanize") return Action{"", Pipe::kHumanize};
  if (body == "humanizePercentage") return Action{"", Pipe::kHumanizePercentage};
  if (body == "humanize1024") return Action{"", Pipe::kHumanize1024};
  return std::nullopt;
}

// Go's %.4g (C's agrees for finite values) with Go's spelling of the special values.
std::string Go4g(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Prometheus' template functions humanize, humanize1024 and humanizePercentage.
std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return Go4g(v);
  const char* prefix = "";
  if (std::fabs(v) >= 1) {
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
      if (std::fabs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return Go4g(v) + prefix;
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return Go4g(v);
  const char* prefix = "";
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return Go4g(v) + prefix;
}

std::string Render(const Action& a, const promql::Labels& labels, double value) {
  if (!a.label.empty()) {
    for (const promql::Label& l : labels) {
      if (l.name == a.label) return l.value;
    }
    return "<no value>";
  }
  switch (a.pipe) {
    case Pipe::kNone: return GoFloatString(value);
    case Pipe::kHumanize: return Humanize(value);
    case Pipe::kHumanizePercentage: return Go4g(value * 100) + "%";
    case Pipe::kHumanize1024: return Humanize1024(value);
  }
  return "";
}

// Walks the template: literal text to `literal`, each action to `action`. False with `error`
// set on an unterminated or unsupported action.
template <typename Literal, typename OnAction>
bool Walk(std::string_view text, Literal literal, OnAction action, std::string* error) {
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      literal(text.substr(pos), false);
      break;
    }
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      *error = Cat("unterminated action at byte ", open);
      return false;
    }
    std::string_view body = text.substr(open + 2, close - open - 2);
    const bool trim_left = body.starts_with("- ") || body == "-";
    const bool trim_right = body.ends_with(" -");
    if (trim_left) body.remove_prefix(1);
    if (trim_right) body.remove_suffix(1);
    literal(text.substr(pos, open - pos), trim_left);
    std::optional<Action> a = ParseAction(body);
    if (!a) {
      *error = Cat("unsupported action {{", text.substr(open + 2, close - open - 2),
                   "}}: use $labels.NAME or $value, optionally | humanize, "
                   "humanizePercentage or humanize1024");
      return false;
    }
    action(*a);
    pos = close + 2;
    if (trim_right) {
      while (pos < text.size() && IsSpace(text[pos])) {
        ++pos;
      }
    }
  }
  return true;
}

}  // namespace

absl::Status CheckTemplate(std::string_view text) {
  std::string error;
  if (!Walk(
          text, [](std::string_view, bool) {}, [](const Action&) {}, &error)) {
    return absl::InvalidArgumentError(error);
  }
  return absl::OkStatus();
}

std::string ExpandTemplate(std::string_view text, const promql::Labels& labels, double value) {
  std::string out;
  std::string error;
  Walk(
      text,
      [&](std::string_view s, bool trim_right) {
        if (trim_right) s = TrimRight(s);
        out.append(s);
      },
      [&](const Action& a) { out += Render(a, labels, value); }, &error);
  return out;
}

std::string GoFloatString(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // The shortest digits that read back as v, then Go's layout: %e when the exponent is below
  // -4 or at least 6 (the shortest form's rule), else plain decimals.
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, end - buf);  // [-]d[.ddd]e[+-]XX
  const size_t e = sci.find('e');
  const int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  std::string_view mantissa = sci.substr(0, e);
  std::string sign;
  if (ConsumePrefix(&mantissa, "-")) sign = "-";
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  if (exp < -4 || exp >= 6) {
    const int abs_exp = exp < 0 ? -exp : exp;
    return Cat(sign, mantissa, "e", exp < 0 ? "-" : "+", abs_exp < 10 ? "0" : "", abs_exp);
  }
  if (exp < 0) return Cat(sign, "0.", std::string(-exp - 1, '0'), digits);
  if (static_cast<int>(digits.size()) <= exp + 1) {
    return Cat(sign, digits, std::string(exp + 1 - digits.size(), '0'));
  }
  return Cat(sign, digits.substr(0, exp + 1), ".", digits.substr(exp + 1));
}

}  // namespace datamesh::monitoring::rules
