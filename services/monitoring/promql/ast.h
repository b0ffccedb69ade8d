// The PromQL syntax tree the parser builds and the engine evaluates. Every node owns its
// children; a parsed tree is immutable and may be evaluated by several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "services/monitoring/promql/series_source.h"

namespace datamesh::monitoring::promql {

enum class ValueType { kScalar, kVector, kMatrix, kString };

// "scalar", "instant vector", "range vector", "string" as Prometheus names them in errors.
std::string_view ValueTypeName(ValueType type);

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  kAnd,
  kOr,
  kUnless,
};

bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);
std::string_view BinaryOpName(BinaryOp op);

enum class AggregationOp { kSum, kAvg, kMin, kMax, kCount, kStddev, kTopk, kBottomk };

enum class Function {
  kAbs,
  kClampMin,
  kClampMax,
  kTime,
  kVector,
  kScalar,
  kRate,
  kIrate,
  kIncrease,
  kDeriv,
  kPredictLinear,
  kAvgOverTime,
  kMinOverTime,
  kMaxOverTime,
  kSumOverTime,
  kCountOverTime,
  kStddevOverTime,
  kHistogramQuantile,
  kAbsent,
  kAbsentOverTime,
};

struct FunctionInfo {
  Function function;
  std::string_view name;
  std::vector<ValueType> args;
  ValueType returns;
};

// The function called `name`, or nullptr.
const FunctionInfo* LookupFunction(std::string_view name);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral {
  double value = 0;
};

struct StringLiteral {
  std::string value;
};

struct VectorSelector {
  std::string name;                    // "" when only matchers name the series
  std::vector<LabelMatcher> matchers;  // including __name__="name" when a name is given
  int64_t offset_ms = 0;
};

struct MatrixSelector {
  VectorSelector selector;
  int64_t range_ms = 0;
};

struct Call {
  const FunctionInfo* function = nullptr;
  std::vector<ExprPtr> args;
};

struct Aggregation {
  AggregationOp op;
  ExprPtr param;  // k of topk/bottomk; null otherwise
  ExprPtr expr;
  std::vector<std::string> grouping;
  bool without = false;
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

// How two vectors' samples are paired: on(...) / ignoring(...) and group_left/right(...).
struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> matching_labels;
  bool on = false;
  std::vector<std::string> include;  // the group_x(...) labels copied from the "one" side
};

struct Binary {
  BinaryOp op;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  VectorMatching matching;
};

struct Unary {
  bool negate = false;  // '-'; '+' changes nothing
  ExprPtr expr;
};

struct Expr {
  std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, Call, Aggregation,
               Binary, Unary>
      node;
  ValueType type = ValueType::kScalar;
  size_t position = 0;  // byte offset in the query, for errors
};

}  // namespace datamesh::monitoring::promql
