// The PromQL parser's recursive-descent class, shared by parser.cc (expressions and operators)
// and parser_terms.cc (selectors, matchers, aggregations and calls). Internal to the library.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/promql/ast.h"
#include "services/monitoring/promql/lexer.h"

namespace datamesh::monitoring::promql::internal {

std::string Lower(std::string_view s);

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens)
      : query_(query), tokens_(std::move(tokens)) {}

  absl::StatusOr<ExprPtr> ParseAll() {
    absl::StatusOr<ExprPtr> e = ParseExpr(0);
    if (!e.ok()) return e;
    if (Peek().kind != TokenKind::kEnd) return Unexpected("");
    return e;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool Accept(TokenKind kind) {
    if (Peek().kind != kind) return false;
    Next();
    return true;
  }
  bool PeekKeyword(std::string_view lower, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kIdentifier && Lower(Peek(ahead).text) == lower;
  }
  absl::Status Error(size_t position, std::string_view message) const {
    return ParseError(query_, position, message);
  }
  absl::Status Unexpected(std::string_view context) const {
    const Token& t = Peek();
    const std::string what = t.kind == TokenKind::kEnd ? "end of input" : Cat("\"", t.text, "\"");
    return Error(t.position, Cat("unexpected ", what, context.empty() ? "" : " ", context));
  }
  absl::Status Expect(TokenKind kind, std::string_view context) {
    if (Accept(kind)) return absl::OkStatus();
    return Unexpected(context);
  }

  absl::StatusOr<ExprPtr> ParseExpr(int min_precedence);
  absl::StatusOr<ExprPtr> ParseUnary();
  absl::StatusOr<ExprPtr> ParsePrimary();
  absl::StatusOr<ExprPtr> ParsePostfix(ExprPtr e);
  absl::StatusOr<ExprPtr> ParseSelector(std::string name, size_t position);
  absl::Status ParseMatchers(std::vector<LabelMatcher>& matchers);
  absl::StatusOr<ExprPtr> ParseAggregation(AggregationOp op, size_t position);
  absl::StatusOr<ExprPtr> ParseCall(const FunctionInfo& f, size_t position);
  absl::Status ParseLabelList(std::vector<std::string>& labels);
  absl::Status ParseBinaryModifiers(BinaryOp op, Binary& b);
  absl::StatusOr<ExprPtr> MakeBinary(Binary b, size_t position);
  std::optional<BinaryOp> PeekBinaryOp() const;

  std::string_view query_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace datamesh::monitoring::promql::internal
