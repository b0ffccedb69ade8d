// What the engine's evaluation files share. Internal to the PromQL library.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "services/monitoring/promql/ast.h"
#include "services/monitoring/promql/engine.h"

namespace datamesh::monitoring::promql::internal {

// The value of an expression at one evaluation time.
using StepValue = std::variant<double, std::string, Vector, Matrix>;

// Prometheus' "execution" errors.
absl::Status ExecutionError(std::string_view message);

// FAILED_PRECONDITION when two samples of `v` have the same labels.
absl::Status CheckUniqueLabelsets(const Vector& v);

// A function of a range vector (rate, *_over_time, deriv, predict_linear ...) applied to every
// series of `m` at time `t`; `scalar_arg` is predict_linear's second argument.
absl::StatusOr<Vector> ApplyRangeFunction(Function f, const MatrixSelector& selector,
                                          const Matrix& m, double scalar_arg, int64_t t);

// Prometheus' extrapolation of a counter's (or gauge's) `result` = change between the first
// sample of a window and the last (at last_t), `count` samples in all, to the edges of `sel`'s
// window ending at `t`: to an edge within 1.1 average intervals, else by half an interval; a
// counter never below zero. Per second of the range when `is_rate`. None below two samples.
std::optional<double> ExtrapolateIncrease(double result, SamplePoint first, int64_t last_t,
                                          size_t count, const MatrixSelector& sel, int64_t t,
                                          bool is_counter, bool is_rate);

// The other functions; `args` evaluated at `t`.
absl::StatusOr<StepValue> ApplyInstantFunction(Function f, std::vector<StepValue>& args, int64_t t);

// sum/avg/min/max/count/stddev/topk/bottomk over `input`; `param` is topk/bottomk's k.
absl::StatusOr<Vector> Aggregate(const Aggregation& agg, double param, const Vector& input);

// A binary operator over two evaluated operands (scalars or vectors).
absl::StatusOr<StepValue> ApplyBinary(const Binary& b, StepValue lhs, StepValue rhs);

// Go's math.Max / math.Min: NaN wins, +0 beats -0 (Max) and -0 beats +0 (Min).
double GoMax(double a, double b);
double GoMin(double a, double b);

}  // namespace datamesh::monitoring::promql::internal
