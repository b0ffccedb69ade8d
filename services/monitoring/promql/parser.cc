#include "services/monitoring/promql/parser.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "services/monitoring/promql/parser_internal.h"

namespace datamesh::monitoring::promql {
namespace internal {

std::string Lower(std::string_view s) {
  return absl::AsciiStrToLower(absl::string_view(s.data(), s.size()));
}

namespace {

// Binding strength of binary operators, loosest first; '^' binds right to left.
int Precedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return 1;
    case BinaryOp::kAnd:
    case BinaryOp::kUnless: return 2;
    case BinaryOp::kEqlc:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte: return 3;
    case BinaryOp::kAdd:
    case BinaryOp::kSub: return 4;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod: return 5;
    case BinaryOp::kPow: return 6;
  }
  return 0;
}
constexpr int kUnaryOperandPrecedence = 6;  // -a^b is -(a^b), -a*b is (-a)*b
std::optional<AggregationOp> AggregationNamed(std::string_view lower) {
  static constexpr std::pair<std::string_view, AggregationOp> kOps[] = {
      {"sum", AggregationOp::kSum},     {"avg", AggregationOp::kAvg},
      {"min", AggregationOp::kMin},     {"max", AggregationOp::kMax},
      {"count", AggregationOp::kCount}, {"stddev", AggregationOp::kStddev},
      {"topk", AggregationOp::kTopk},   {"bottomk", AggregationOp::kBottomk}};
  for (const auto& [name, op] : kOps) {
    if (name == lower) return op;
  }
  return std::nullopt;
}

bool IsUnsupportedAggregation(std::string_view lower) {
  return lower == "stdvar" || lower == "quantile" || lower == "count_values" || lower == "group";
}

}  // namespace

std::optional<BinaryOp> Parser::PeekBinaryOp() const {
  switch (Peek().kind) {
    case TokenKind::kAdd: return BinaryOp::kAdd;
    case TokenKind::kSub: return BinaryOp::kSub;
    case TokenKind::kMul: return BinaryOp::kMul;
    case TokenKind::kDiv: return BinaryOp::kDiv;
    case TokenKind::kMod: return BinaryOp::kMod;
    case TokenKind::kPow: return BinaryOp::kPow;
    case TokenKind::kEqlc: return BinaryOp::kEqlc;
    case TokenKind::kNeq: return BinaryOp::kNeq;
    case TokenKind::kGtr: return BinaryOp::kGtr;
    case TokenKind::kLss: return BinaryOp::kLss;
    case TokenKind::kGte: return BinaryOp::kGte;
    case TokenKind::kLte: return BinaryOp::kLte;
    case TokenKind::kIdentifier: {
      const std::string w = Lower(Peek().text);
      if (w == "and") return BinaryOp::kAnd;
      if (w == "or") return BinaryOp::kOr;
      if (w == "unless") return BinaryOp::kUnless;
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

absl::StatusOr<ExprPtr> Parser::ParseExpr(int min_precedence) {
  absl::StatusOr<ExprPtr> lhs = ParseUnary();
  if (!lhs.ok()) return lhs;
  while (true) {
    const std::optional<BinaryOp> op = PeekBinaryOp();
    if (!op || Precedence(*op) < min_precedence) break;
    const size_t position = Next().position;
    Binary b{.op = *op};
    if (absl::Status s = ParseBinaryModifiers(*op, b); !s.ok()) return s;
    const int next_min = *op == BinaryOp::kPow ? Precedence(*op) : Precedence(*op) + 1;
    absl::StatusOr<ExprPtr> rhs = ParseExpr(next_min);
    if (!rhs.ok()) return rhs;
    b.lhs = std::move(*lhs);
    b.rhs = std::move(*rhs);
    lhs = MakeBinary(std::move(b), position);
    if (!lhs.ok()) return lhs;
  }
  return lhs;
}

absl::Status Parser::ParseBinaryModifiers(BinaryOp op, Binary& b) {
  if (PeekKeyword("bool")) {
    Next();
    b.return_bool = true;
  }
  if (PeekKeyword("on") || PeekKeyword("ignoring")) {
    b.matching.on = Lower(Next().text) == "on";
    if (absl::Status s = ParseLabelList(b.matching.matching_labels); !s.ok()) return s;
    if (PeekKeyword("group_left") || PeekKeyword("group_right")) {
      b.matching.card =
          Lower(Next().text) == "group_left" ? Cardinality::kManyToOne : Cardinality::kOneToMany;
      if (Peek().kind == TokenKind::kLeftParen) {
        if (absl::Status s = ParseLabelList(b.matching.include); !s.ok()) return s;
      }
    }
  }
  if (IsSetOperator(op)) {
    if (b.matching.card != Cardinality::kOneToOne) {
      return Error(Peek().position,
                   Cat("no grouping allowed for \"", BinaryOpName(op), "\" operation"));
    }
    b.matching.card = Cardinality::kManyToMany;
  }
  for (const std::string& l : b.matching.matching_labels) {
    if (b.matching.on && std::count(b.matching.include.begin(), b.matching.include.end(), l)) {
      return Error(Peek().position,
                   Cat("label \"", l, "\" must not occur in ON and GROUP clause at once"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ExprPtr> Parser::MakeBinary(Binary b, size_t position) {
  const ValueType lt = b.lhs->type, rt = b.rhs->type;
  auto operand_ok = [](ValueType t) { return t == ValueType::kScalar || t == ValueType::kVector; };
  if (!operand_ok(lt) || !operand_ok(rt)) {
    return Error(position, "binary expression must contain only scalar and instant vector types");
  }
  const bool both_vectors = lt == ValueType::kVector && rt == ValueType::kVector;
  if (b.return_bool && !IsComparison(b.op)) {
    return Error(position, "bool modifier can only be used on comparison operators");
  }
  if (IsComparison(b.op) && !b.return_bool && lt == ValueType::kScalar &&
      rt == ValueType::kScalar) {
    return Error(position, "comparisons between scalars must use BOOL modifier");
  }
  if (IsSetOperator(b.op) && !both_vectors) {
    return Error(position, Cat("set operator \"", BinaryOpName(b.op),
                               "\" not allowed in binary scalar expression"));
  }
  const bool has_matching =
      b.matching.on || !b.matching.matching_labels.empty() ||
      (b.matching.card != Cardinality::kOneToOne && b.matching.card != Cardinality::kManyToMany);
  if (has_matching && !both_vectors) {
    return Error(position, "vector matching only allowed between instant vectors");
  }
  auto e = std::make_unique<Expr>();
  e->type = lt == ValueType::kScalar && rt == ValueType::kScalar ? ValueType::kScalar
                                                                 : ValueType::kVector;
  e->position = position;
  e->node = std::move(b);
  return e;
}

absl::StatusOr<ExprPtr> Parser::ParseUnary() {
  if (Peek().kind == TokenKind::kAdd || Peek().kind == TokenKind::kSub) {
    const Token op = Next();
    absl::StatusOr<ExprPtr> operand = ParseExpr(kUnaryOperandPrecedence);
    if (!operand.ok()) return operand;
    ExprPtr inner = std::move(*operand);
    if (inner->type != ValueType::kScalar && inner->type != ValueType::kVector) {
      return Error(op.position,
                   "unary expression only allowed on expressions of type scalar or instant vector");
    }
    // A signed number literal is a number, as Prometheus folds it.
    if (auto* n = std::get_if<NumberLiteral>(&inner->node)) {
      if (op.kind == TokenKind::kSub) n->value = -n->value;
      inner->position = op.position;
      return inner;
    }
    auto e = std::make_unique<Expr>();
    e->type = inner->type;
    e->position = op.position;
    e->node = Unary{.negate = op.kind == TokenKind::kSub, .expr = std::move(inner)};
    return e;
  }
  const bool parenthesized = Peek().kind == TokenKind::kLeftParen;
  absl::StatusOr<ExprPtr> primary = ParsePrimary();
  if (!primary.ok()) return primary;
  if (parenthesized) {
    // (x)[5m] would be a subquery and (x) offset 5m is not allowed: neither takes a postfix.
    if (Peek().kind == TokenKind::kLeftBracket) {
      return Error(Peek().position, "ranges only allowed for vector selectors");
    }
    if (PeekKeyword("offset")) {
      return Error(Peek().position,
                   "offset modifier must be preceded by an instant vector "
                   "selector or range vector selector");
    }
    return primary;
  }
  return ParsePostfix(std::move(*primary));
}

absl::StatusOr<ExprPtr> Parser::ParsePrimary() {
  const Token& t = Peek();
  auto e = std::make_unique<Expr>();
  e->position = t.position;
  switch (t.kind) {
    case TokenKind::kNumber:
      e->node = NumberLiteral{Next().number};
      e->type = ValueType::kScalar;
      return e;
    case TokenKind::kString:
      e->node = StringLiteral{Next().text};
      e->type = ValueType::kString;
      return e;
    case TokenKind::kLeftParen: {
      Next();
      absl::StatusOr<ExprPtr> inner = ParseExpr(0);
      if (!inner.ok()) return inner;
      if (absl::Status s =
              Expect(TokenKind::kRightParen, "in parenthesized expression, expected \")\"");
          !s.ok()) {
        return s;
      }
      return inner;
    }
    case TokenKind::kLeftBrace: return ParseSelector("", t.position);
    case TokenKind::kIdentifier: break;
    default: return Unexpected("");
  }
  const std::string word = Next().text;
  const std::string lower = Lower(word);
  const bool opens_call = Peek().kind == TokenKind::kLeftParen;
  if (std::optional<AggregationOp> agg = AggregationNamed(lower)) {
    if (opens_call || PeekKeyword("by") || PeekKeyword("without")) {
      return ParseAggregation(*agg, t.position);
    }
    return Error(t.position, Cat("unexpected aggregation \"", word, "\" without arguments"));
  }
  if (IsUnsupportedAggregation(lower)) {
    return Error(t.position, Cat("aggregation \"", lower, "\" is not supported"));
  }
  if (opens_call) {
    const FunctionInfo* f = LookupFunction(word);
    if (f == nullptr)
      return Error(t.position, Cat("unknown or unsupported function \"", word, "\""));
    return ParseCall(*f, t.position);
  }
  return ParseSelector(word, t.position);
}

absl::StatusOr<ExprPtr> Parser::ParsePostfix(ExprPtr e) {
  if (Peek().kind == TokenKind::kLeftBracket) {
    const size_t position = Next().position;
    auto* vs = std::get_if<VectorSelector>(&e->node);
    if (vs == nullptr || vs->offset_ms != 0) {
      return Error(position, "ranges only allowed for vector selectors");
    }
    if (Peek().kind != TokenKind::kDuration) return Unexpected("in range, expected a duration");
    const int64_t range = Next().duration_ms;
    if (Peek().kind == TokenKind::kIdentifier && Peek().text[0] == ':') {
      return Error(position, "subqueries are not supported");
    }
    if (absl::Status s = Expect(TokenKind::kRightBracket, "in range, expected \"]\""); !s.ok()) {
      return s;
    }
    if (range <= 0) return Error(position, "range must be greater than 0");
    auto m = std::make_unique<Expr>();
    m->position = e->position;
    m->type = ValueType::kMatrix;
    m->node = MatrixSelector{.selector = std::move(*vs), .range_ms = range};
    e = std::move(m);
  }
  if (PeekKeyword("offset")) {
    const size_t position = Next().position;
    bool negative = false;
    if (Peek().kind == TokenKind::kSub) {
      Next();
      negative = true;
    }
    if (Peek().kind != TokenKind::kDuration) return Unexpected("in offset, expected a duration");
    const int64_t offset = Next().duration_ms;
    if (negative) return Error(position, "negative offsets are not supported");
    VectorSelector* vs = std::get_if<VectorSelector>(&e->node);
    if (auto* ms = std::get_if<MatrixSelector>(&e->node)) vs = &ms->selector;
    if (vs == nullptr) {
      return Error(position,
                   "offset modifier must be preceded by an instant vector selector or "
                   "range vector selector");
    }
    if (vs->offset_ms != 0) return Error(position, "offset may not be set multiple times");
    vs->offset_ms = offset;
  }
  if (Peek().kind == TokenKind::kLeftBracket) {
    return Error(Peek().position, "ranges only allowed for vector selectors");
  }
  return e;
}

}  // namespace internal

absl::StatusOr<ExprPtr> ParseQuery(std::string_view query) {
  absl::StatusOr<std::vector<Token>> tokens = Lex(query);
  if (!tokens.ok()) return tokens.status();
  // Nothing but blanks and comments: Prometheus' own wording.
  if (tokens->size() == 1) return ParseError(query, 0, "no expression found in input");
  return internal::Parser(query, std::move(*tokens)).ParseAll();
}

}  // namespace datamesh::monitoring::promql
