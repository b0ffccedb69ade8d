// The parser's terms: selectors and their matchers, grouping lists, aggregations, calls.
#include <algorithm>

#include "services/monitoring/promql/parser_internal.h"

namespace datamesh::monitoring::promql::internal {
namespace {

bool MatchesEmpty(const LabelMatcher& m) { return m.Matches(""); }

// A label name where one is expected. "inf" and "nan" lex as numbers but are valid names there,
// as in Prometheus, whose lexer does not look for keywords inside braces.
bool IsLabelName(const Token& t) {
  const bool word =
      t.kind == TokenKind::kIdentifier ||
      (t.kind == TokenKind::kNumber && (Lower(t.text) == "inf" || Lower(t.text) == "nan"));
  return word && t.text.find(':') == std::string::npos;
}

}  // namespace

absl::StatusOr<ExprPtr> Parser::ParseSelector(std::string name, size_t position) {
  VectorSelector vs{.name = name};
  if (!name.empty()) {
    absl::StatusOr<LabelMatcher> m =
        LabelMatcher::Make(MatchType::kEqual, std::string(kMetricNameLabel), name);
    if (!m.ok()) return m.status();
    vs.matchers.push_back(std::move(*m));
  }
  if (Accept(TokenKind::kLeftBrace)) {
    if (absl::Status s = ParseMatchers(vs.matchers); !s.ok()) return s;
  }
  const size_t name_matchers =
      std::count_if(vs.matchers.begin(), vs.matchers.end(),
                    [](const LabelMatcher& m) { return m.name() == kMetricNameLabel; });
  if (!name.empty() && name_matchers > 1) {
    return Error(position, "metric name must not be set twice");
  }
  if (std::all_of(vs.matchers.begin(), vs.matchers.end(), MatchesEmpty)) {
    return Error(position, "vector selector must contain at least one non-empty matcher");
  }
  auto e = std::make_unique<Expr>();
  e->position = position;
  e->type = ValueType::kVector;
  e->node = std::move(vs);
  return e;
}

absl::Status Parser::ParseMatchers(std::vector<LabelMatcher>& matchers) {
  while (!Accept(TokenKind::kRightBrace)) {
    const Token& name = Peek();
    if (!IsLabelName(name)) {
      return Unexpected("in label matching, expected a label name");
    }
    Next();
    MatchType type;
    switch (Next().kind) {
      case TokenKind::kAssign: type = MatchType::kEqual; break;
      case TokenKind::kNeq: type = MatchType::kNotEqual; break;
      case TokenKind::kEqlRegex: type = MatchType::kRegexMatch; break;
      case TokenKind::kNeqRegex: type = MatchType::kRegexNoMatch; break;
      default: --pos_; return Unexpected("in label matching, expected =, !=, =~ or !~");
    }
    if (Peek().kind != TokenKind::kString)
      return Unexpected("in label matching, expected a string");
    const Token& value = Next();
    absl::StatusOr<LabelMatcher> m = LabelMatcher::Make(type, name.text, value.text);
    if (!m.ok()) return Error(value.position, std::string(m.status().message()));
    matchers.push_back(std::move(*m));
    if (Accept(TokenKind::kComma)) continue;
    if (Peek().kind != TokenKind::kRightBrace) {
      return Unexpected("in label matching, expected \",\" or \"}\"");
    }
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseLabelList(std::vector<std::string>& labels) {
  if (absl::Status s = Expect(TokenKind::kLeftParen, "in grouping, expected \"(\""); !s.ok()) {
    return s;
  }
  while (!Accept(TokenKind::kRightParen)) {
    if (!IsLabelName(Peek())) {
      return Unexpected("in grouping, expected a label name");
    }
    labels.push_back(Next().text);
    if (Accept(TokenKind::kComma)) continue;
    if (Peek().kind != TokenKind::kRightParen) {
      return Unexpected("in grouping, expected \",\" or \")\"");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ExprPtr> Parser::ParseAggregation(AggregationOp op, size_t position) {
  Aggregation agg{.op = op};
  auto parse_grouping = [&]() -> absl::Status {
    if (!PeekKeyword("by") && !PeekKeyword("without")) return absl::OkStatus();
    agg.without = Lower(Next().text) == "without";
    return ParseLabelList(agg.grouping);
  };
  if (absl::Status s = parse_grouping(); !s.ok()) return s;
  const bool grouped_before = !agg.grouping.empty() || agg.without;
  if (absl::Status s = Expect(TokenKind::kLeftParen, "in aggregation, expected \"(\""); !s.ok()) {
    return s;
  }
  std::vector<ExprPtr> args;
  while (!Accept(TokenKind::kRightParen)) {
    absl::StatusOr<ExprPtr> arg = ParseExpr(0);
    if (!arg.ok()) return arg.status();
    args.push_back(std::move(*arg));
    if (Accept(TokenKind::kComma)) continue;
    if (Peek().kind != TokenKind::kRightParen) {
      return Unexpected("in aggregation, expected \",\" or \")\"");
    }
  }
  if (!grouped_before) {
    if (absl::Status s = parse_grouping(); !s.ok()) return s;
  }
  const bool takes_param = op == AggregationOp::kTopk || op == AggregationOp::kBottomk;
  const size_t want = takes_param ? 2 : 1;
  if (args.size() != want) {
    return Error(position, Cat("wrong number of arguments for aggregate expression provided, "
                               "expected ",
                               want, ", got ", args.size()));
  }
  if (takes_param) {
    if (args[0]->type != ValueType::kScalar) {
      return Error(args[0]->position, Cat("expected type scalar in aggregation parameter, got ",
                                          ValueTypeName(args[0]->type)));
    }
    agg.param = std::move(args[0]);
  }
  agg.expr = std::move(args.back());
  if (agg.expr->type != ValueType::kVector) {
    return Error(agg.expr->position,
                 Cat("expected type instant vector in aggregation expression, got ",
                     ValueTypeName(agg.expr->type)));
  }
  auto e = std::make_unique<Expr>();
  e->position = position;
  e->type = ValueType::kVector;
  e->node = std::move(agg);
  return e;
}

absl::StatusOr<ExprPtr> Parser::ParseCall(const FunctionInfo& f, size_t position) {
  Next();  // '('
  Call call{.function = &f};
  while (!Accept(TokenKind::kRightParen)) {
    absl::StatusOr<ExprPtr> arg = ParseExpr(0);
    if (!arg.ok()) return arg.status();
    call.args.push_back(std::move(*arg));
    if (Accept(TokenKind::kComma)) continue;
    if (Peek().kind != TokenKind::kRightParen) {
      return Unexpected("in call, expected \",\" or \")\"");
    }
  }
  if (call.args.size() != f.args.size()) {
    return Error(position, Cat("expected ", f.args.size(), " argument(s) in call to \"", f.name,
                               "\", got ", call.args.size()));
  }
  for (size_t i = 0; i < f.args.size(); ++i) {
    if (call.args[i]->type != f.args[i]) {
      return Error(call.args[i]->position,
                   Cat("expected type ", ValueTypeName(f.args[i]), " in call to function \"",
                       f.name, "\", got ", ValueTypeName(call.args[i]->type)));
    }
  }
  auto e = std::make_unique<Expr>();
  e->position = position;
  e->type = f.returns;
  e->node = std::move(call);
  return e;
}

}  // namespace datamesh::monitoring::promql::internal
