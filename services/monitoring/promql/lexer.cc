#include "services/monitoring/promql/lexer.h"

#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "services/monitoring/exposition/text_util.h"

namespace datamesh::monitoring::promql {
namespace {

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_' || c == ':'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || absl::ascii_isdigit(c); }

// Unit of a duration as PromQL spells it, in milliseconds; 0 when `unit` is none.
int64_t UnitMs(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  if (unit == "d") return 86'400'000;
  if (unit == "w") return 7 * 86'400'000LL;
  if (unit == "y") return 365 * 86'400'000LL;
  return 0;
}

class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}
  absl::StatusOr<std::vector<Token>> Run();

 private:
  char At(size_t i) const { return i < q_.size() ? q_[i] : '\0'; }
  absl::Status Error(size_t pos, std::string_view message) const {
    return ParseError(q_, pos, message);
  }
  absl::Status LexString(size_t start);
  absl::Status LexNumberOrDuration(size_t start);
  void Push(TokenKind kind, size_t start, size_t end) {
    tokens_.push_back(Token{kind, std::string(q_.substr(start, end - start)), start});
  }

  std::string_view q_;
  size_t pos_ = 0;
  std::vector<Token> tokens_;
};

absl::StatusOr<std::vector<Token>> Lexer::Run() {
  while (pos_ < q_.size()) {
    const char c = q_[pos_];
    const size_t start = pos_;
    if (absl::ascii_isspace(c)) {
      ++pos_;
      continue;
    }
    if (c == '#') {  // a comment runs to the end of the line
      while (pos_ < q_.size() && q_[pos_] != '\n') ++pos_;
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      if (absl::Status s = LexString(start); !s.ok()) return s;
      continue;
    }
    if (absl::ascii_isdigit(c) || (c == '.' && absl::ascii_isdigit(At(pos_ + 1)))) {
      if (absl::Status s = LexNumberOrDuration(start); !s.ok()) return s;
      continue;
    }
    if (IsIdentStart(c)) {
      while (IsIdentChar(At(pos_))) ++pos_;
      const std::string_view word = q_.substr(start, pos_ - start);
      const std::string lower = absl::AsciiStrToLower(absl::string_view(word.data(), word.size()));
      if (lower == "inf" || lower == "nan") {
        Push(TokenKind::kNumber, start, pos_);
        tokens_.back().number = lower == "inf" ? std::numeric_limits<double>::infinity()
                                               : std::numeric_limits<double>::quiet_NaN();
      } else {
        Push(TokenKind::kIdentifier, start, pos_);
      }
      continue;
    }
    struct Op {
      std::string_view text;
      TokenKind kind;
    };
    // Two-character operators first.
    static constexpr Op kOps[] = {
        {"==", TokenKind::kEqlc},       {"!=", TokenKind::kNeq},
        {"<=", TokenKind::kLte},        {">=", TokenKind::kGte},
        {"=~", TokenKind::kEqlRegex},   {"!~", TokenKind::kNeqRegex},
        {"(", TokenKind::kLeftParen},   {")", TokenKind::kRightParen},
        {"{", TokenKind::kLeftBrace},   {"}", TokenKind::kRightBrace},
        {"[", TokenKind::kLeftBracket}, {"]", TokenKind::kRightBracket},
        {",", TokenKind::kComma},       {"=", TokenKind::kAssign},
        {"+", TokenKind::kAdd},         {"-", TokenKind::kSub},
        {"*", TokenKind::kMul},         {"/", TokenKind::kDiv},
        {"%", TokenKind::kMod},         {"^", TokenKind::kPow},
        {"<", TokenKind::kLss},         {">", TokenKind::kGtr},
    };
    bool matched = false;
    for (const Op& op : kOps) {
      if (q_.substr(pos_, op.text.size()) == op.text) {
        pos_ += op.text.size();
        Push(op.kind, start, pos_);
        matched = true;
        break;
      }
    }
    if (!matched) return Error(start, Cat("unexpected character '", std::string(1, c), "'"));
  }
  tokens_.push_back(Token{TokenKind::kEnd, "", q_.size()});
  return std::move(tokens_);
}

absl::Status Lexer::LexString(size_t start) {
  const char quote = q_[pos_++];
  std::string text;
  while (true) {
    if (pos_ >= q_.size()) return Error(start, "unterminated quoted string");
    const char c = q_[pos_++];
    if (c == quote) break;
    if (c != '\\' || quote == '`') {
      if (c == '\n' && quote != '`') return Error(start, "unterminated quoted string");
      text.push_back(c);
      continue;
    }
    const char e = At(pos_++);
    switch (e) {
      case 'a': text.push_back('\a'); break;
      case 'b': text.push_back('\b'); break;
      case 'f': text.push_back('\f'); break;
      case 'n': text.push_back('\n'); break;
      case 'r': text.push_back('\r'); break;
      case 't': text.push_back('\t'); break;
      case 'v': text.push_back('\v'); break;
      case '\\': text.push_back('\\'); break;
      case '"':
      case '\'':
        if (e != quote) return Error(pos_ - 2, "invalid escape sequence");
        text.push_back(e);
        break;
      case 'x': {
        const std::string_view hex = q_.substr(pos_, 2);
        int v = 0;
        for (char h : hex) {
          if (!absl::ascii_isxdigit(h)) return Error(pos_ - 2, "invalid \\x escape");
          v = v * 16 + (absl::ascii_isdigit(h) ? h - '0' : absl::ascii_tolower(h) - 'a' + 10);
        }
        if (hex.size() != 2) return Error(pos_ - 2, "invalid \\x escape");
        text.push_back(static_cast<char>(v));
        pos_ += 2;
        break;
      }
      default: return Error(pos_ - 2, "invalid escape sequence");
    }
  }
  tokens_.push_back(Token{TokenKind::kString, std::move(text), start});
  return absl::OkStatus();
}

absl::Status Lexer::LexNumberOrDuration(size_t start) {
  // A duration is digits followed by a unit, repeated (1h30m); anything else numeric is a
  // number as Go reads it.
  size_t p = pos_;
  int64_t total = 0;
  bool duration = false;
  while (absl::ascii_isdigit(At(p))) {
    size_t digits_end = p;
    while (absl::ascii_isdigit(At(digits_end))) ++digits_end;
    size_t unit_end = digits_end;
    while (absl::ascii_isalpha(At(unit_end))) ++unit_end;
    const int64_t unit = UnitMs(q_.substr(digits_end, unit_end - digits_end));
    if (unit == 0) break;
    const std::optional<int64_t> n = ParseInt64Text(q_.substr(p, digits_end - p));
    if (!n || *n > std::numeric_limits<int64_t>::max() / unit) {
      return Error(start, "duration out of range");
    }
    total += *n * unit;
    duration = true;
    p = unit_end;
  }
  // ':' may follow, as in a subquery's [5m:1m], which the parser then refuses by name.
  if (duration && (!IsIdentChar(At(p)) || At(p) == ':') && At(p) != '.') {
    pos_ = p;
    Push(TokenKind::kDuration, start, pos_);
    tokens_.back().duration_ms = total;
    return absl::OkStatus();
  }
  // Numbers: hex integers, or decimals with an optional exponent.
  if (At(pos_) == '0' && (At(pos_ + 1) == 'x' || At(pos_ + 1) == 'X')) {
    pos_ += 2;
    double v = 0;
    const size_t digits = pos_;
    while (absl::ascii_isxdigit(At(pos_))) {
      const char h = absl::ascii_tolower(At(pos_++));
      v = v * 16 + (absl::ascii_isdigit(h) ? h - '0' : h - 'a' + 10);
    }
    if (pos_ == digits || IsIdentChar(At(pos_))) return Error(start, "bad number");
    Push(TokenKind::kNumber, start, pos_);
    tokens_.back().number = v;
    return absl::OkStatus();
  }
  while (absl::ascii_isdigit(At(pos_)) || At(pos_) == '.') ++pos_;
  if (At(pos_) == 'e' || At(pos_) == 'E') {
    size_t e = pos_ + 1;
    if (At(e) == '+' || At(e) == '-') ++e;
    if (absl::ascii_isdigit(At(e))) {
      pos_ = e;
      while (absl::ascii_isdigit(At(pos_))) ++pos_;
    }
  }
  const std::optional<double> v = ParseFloatText(q_.substr(start, pos_ - start));
  if (!v || IsIdentChar(At(pos_))) return Error(start, "bad number or duration");
  Push(TokenKind::kNumber, start, pos_);
  tokens_.back().number = *v;
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseError(std::string_view query, size_t position, std::string_view message) {
  // Line and column, 1-based, as Prometheus reports them.
  size_t line = 1, column = 1;
  for (size_t i = 0; i < position && i < query.size(); ++i) {
    if (query[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::InvalidArgumentError(Cat(line, ":", column, ": parse error: ", message));
}

absl::StatusOr<std::vector<Token>> Lex(std::string_view query) { return Lexer(query).Run(); }

}  // namespace datamesh::monitoring::promql
