#include "services/monitoring/promql/ast.h"

namespace datamesh::monitoring::promql {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    case ValueType::kString: return "string";
  }
  return "unknown";
}

bool IsComparison(BinaryOp op) {
  return op == BinaryOp::kEqlc || op == BinaryOp::kNeq || op == BinaryOp::kGtr ||
         op == BinaryOp::kLss || op == BinaryOp::kGte || op == BinaryOp::kLte;
}

bool IsSetOperator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

std::string_view BinaryOpName(BinaryOp op) {
  static constexpr std::string_view kNames[] = {
      "+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless"};
  return kNames[static_cast<int>(op)];
}

const FunctionInfo* LookupFunction(std::string_view name) {
  using VT = ValueType;
  static const FunctionInfo kFunctions[] = {
      {Function::kAbs, "abs", {VT::kVector}, VT::kVector},
      {Function::kClampMin, "clamp_min", {VT::kVector, VT::kScalar}, VT::kVector},
      {Function::kClampMax, "clamp_max", {VT::kVector, VT::kScalar}, VT::kVector},
      {Function::kTime, "time", {}, VT::kScalar},
      {Function::kVector, "vector", {VT::kScalar}, VT::kVector},
      {Function::kScalar, "scalar", {VT::kVector}, VT::kScalar},
      {Function::kRate, "rate", {VT::kMatrix}, VT::kVector},
      {Function::kIrate, "irate", {VT::kMatrix}, VT::kVector},
      {Function::kIncrease, "increase", {VT::kMatrix}, VT::kVector},
      {Function::kDeriv, "deriv", {VT::kMatrix}, VT::kVector},
      {Function::kPredictLinear, "predict_linear", {VT::kMatrix, VT::kScalar}, VT::kVector},
      {Function::kAvgOverTime, "avg_over_time", {VT::kMatrix}, VT::kVector},
      {Function::kMinOverTime, "min_over_time", {VT::kMatrix}, VT::kVector},
      {Function::kMaxOverTime, "max_over_time", {VT::kMatrix}, VT::kVector},
      {Function::kSumOverTime, "sum_over_time", {VT::kMatrix}, VT::kVector},
      {Function::kCountOverTime, "count_over_time", {VT::kMatrix}, VT::kVector},
      {Function::kStddevOverTime, "stddev_over_time", {VT::kMatrix}, VT::kVector},
      {Function::kHistogramQuantile, "histogram_quantile", {VT::kScalar, VT::kVector}, VT::kVector},
      {Function::kAbsent, "absent", {VT::kVector}, VT::kVector},
      {Function::kAbsentOverTime, "absent_over_time", {VT::kMatrix}, VT::kVector},
  };
  for (const FunctionInfo& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace datamesh::monitoring::promql
