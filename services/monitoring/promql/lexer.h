// The PromQL lexer: splits a query into tokens, each with its byte offset for error messages.
// Pure function, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace datamesh::monitoring::promql {

enum class TokenKind {
  kIdentifier,  // metric, label, function and keyword names (keywords are told apart by the parser)
  kNumber,      // 1, 1.5e3, 0x1F, Inf, NaN
  kDuration,    // 5m, 1h30m, 500ms
  kString,      // "..." '...' `...`, unescaped in `text`
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kAssign,    // =   (in label matchers)
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // ==
  kNeq,
  kLss,
  kLte,
  kGtr,
  kGte,
  kEnd,
};

struct Token {
  TokenKind kind;
  std::string text;         // identifier, number or duration as written; a string unescaped
  size_t position = 0;      // byte offset in the query
  double number = 0;        // kNumber
  int64_t duration_ms = 0;  // kDuration
};

// Every token of `query`, ending with kEnd. INVALID_ARGUMENT naming the offset of an
// unterminated string, a bad escape, a bad number or duration, or an unexpected character.
absl::StatusOr<std::vector<Token>> Lex(std::string_view query);

// "1:5: parse error: <message>", Prometheus' error shape, for the byte at `position`.
absl::Status ParseError(std::string_view query, size_t position, std::string_view message);

}  // namespace datamesh::monitoring::promql
