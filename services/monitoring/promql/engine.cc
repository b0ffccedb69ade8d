// Evaluation: every selector's series are fetched once for the whole query range, then the tree
// is evaluated at each step against those series, as Prometheus evaluates step by step. Where a
// step's window starts before the source's raw samples (StorageLayout), the selector's rollups
// answer it instead (rollup_eval.h).
#include "services/monitoring/promql/engine.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_map>

#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/promql/eval_internal.h"
#include "services/monitoring/promql/parser.h"
#include "services/monitoring/promql/rollup_eval.h"

namespace datamesh::monitoring::promql {
namespace {

using internal::StepValue;

// Prometheus marks a series that disappeared with this NaN (value.StaleNaN).
constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;

bool IsStale(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits == kStaleNaNBits;
}

void SortByLabels(Vector& v) {
  std::sort(v.begin(), v.end(),
            [](const VectorSample& a, const VectorSample& b) { return a.labels < b.labels; });
}

class Evaluation {
 public:
  // `step` chooses the rollup resolution (rollup_eval.h: ChooseRollup).
  Evaluation(const SeriesSource& source, const EngineOptions& options, int64_t start, int64_t end,
             int64_t step)
      : source_(source),
        options_(options),
        start_(start),
        end_(end),
        step_(step),
        layout_(source.Layout()) {}

  absl::Status Load(const Expr& e);
  absl::StatusOr<StepValue> Eval(const Expr& e, int64_t t);

 private:
  absl::Status LoadSelector(const Expr& e, const VectorSelector& vs, int64_t window,
                            int64_t range);
  absl::Status CountLoaded(size_t samples);
  // The selector's rollups when its window starting at `window_start` reaches before the raw
  // samples; else null.
  const std::pair<int64_t, std::vector<RollupSeries>>* RollupsFor(const Expr& e,
                                                                  int64_t window_start) const;
  Vector EvalVectorSelector(const Expr& e, const VectorSelector& vs, int64_t t) const;
  Matrix EvalMatrixSelector(const Expr& e, const MatrixSelector& ms, int64_t t) const;
  absl::StatusOr<StepValue> EvalCall(const Call& c, int64_t t);
  absl::StatusOr<StepValue> EvalAggregation(const Aggregation& a, int64_t t);
  absl::StatusOr<StepValue> EvalUnary(const Unary& u, int64_t t);

  const SeriesSource& source_;
  const EngineOptions& options_;
  const int64_t start_, end_, step_;
  const StorageLayout layout_;
  std::unordered_map<const Expr*, std::vector<Series>> loaded_;
  // By selector: the resolution read and the rollups over the query's range.
  std::unordered_map<const Expr*, std::pair<int64_t, std::vector<RollupSeries>>> rollups_;
  size_t samples_loaded_ = 0;
};

absl::Status Evaluation::CountLoaded(size_t samples) {
  samples_loaded_ += samples;
  if (samples_loaded_ > options_.max_samples) {
    return absl::ResourceExhaustedError("query processing would load too many samples into memory");
  }
  return absl::OkStatus();
}

absl::Status Evaluation::LoadSelector(const Expr& e, const VectorSelector& vs, int64_t window,
                                      int64_t range) {
  const int64_t from = start_ - vs.offset_ms - window;
  int64_t raw_from = from;
  if (from < layout_.raw_since_ms) {
    if (const std::optional<int64_t> resolution =
            internal::ChooseRollup(layout_, step_, range, from)) {
      // Windows narrower than an interval widen to one (rollup_eval.h): one more back.
      absl::StatusOr<std::vector<RollupSeries>> rollups = source_.SelectRollups(
          vs.matchers, *resolution, from - 2 * *resolution, end_ - vs.offset_ms);
      if (!rollups.ok()) return rollups.status();
      for (const RollupSeries& s : *rollups) {
        if (absl::Status st = CountLoaded(s.points.size()); !st.ok()) return st;
      }
      rollups_[&e] = {*resolution, std::move(*rollups)};
      // Windows starting before the raw samples read the rollups: no older raw sample is used.
      raw_from = layout_.raw_since_ms;
    }
  }
  absl::StatusOr<std::vector<Series>> series =
      source_.Select(vs.matchers, std::min(raw_from, end_ - vs.offset_ms), end_ - vs.offset_ms);
  if (!series.ok()) return series.status();
  for (const Series& s : *series) {
    if (absl::Status st = CountLoaded(s.samples.size()); !st.ok()) return st;
  }
  loaded_[&e] = std::move(*series);
  return absl::OkStatus();
}

const std::pair<int64_t, std::vector<RollupSeries>>* Evaluation::RollupsFor(
    const Expr& e, int64_t window_start) const {
  if (window_start >= layout_.raw_since_ms) return nullptr;
  auto it = rollups_.find(&e);
  return it == rollups_.end() ? nullptr : &it->second;
}

absl::Status Evaluation::Load(const Expr& e) {
  return std::visit(
      [&](const auto& n) -> absl::Status {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, VectorSelector>) {
          return LoadSelector(e, n, options_.lookback_delta_ms, /*range=*/0);
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          return LoadSelector(e, n.selector, n.range_ms, n.range_ms);
        } else if constexpr (std::is_same_v<T, Call>) {
          for (const ExprPtr& a : n.args)
            if (absl::Status s = Load(*a); !s.ok()) return s;
        } else if constexpr (std::is_same_v<T, Aggregation>) {
          if (n.param) {
            if (absl::Status s = Load(*n.param); !s.ok()) return s;
          }
          return Load(*n.expr);
        } else if constexpr (std::is_same_v<T, Binary>) {
          if (absl::Status s = Load(*n.lhs); !s.ok()) return s;
          return Load(*n.rhs);
        } else if constexpr (std::is_same_v<T, Unary>) {
          return Load(*n.expr);
        }
        return absl::OkStatus();
      },
      e.node);
}

Vector Evaluation::EvalVectorSelector(const Expr& e, const VectorSelector& vs, int64_t t) const {
  const int64_t ref = t - vs.offset_ms;
  if (const auto* r = RollupsFor(e, ref - options_.lookback_delta_ms)) {
    return internal::RollupVector(vs, r->second, r->first, options_.lookback_delta_ms, t);
  }
  Vector out;
  for (const Series& s : loaded_.at(&e)) {
    // The latest sample at or before ref, if it is within the lookback window.
    auto it = std::upper_bound(s.samples.begin(), s.samples.end(), ref,
                               [](int64_t v, const SamplePoint& p) { return v < p.t; });
    if (it == s.samples.begin()) continue;
    --it;
    if (it->t < ref - options_.lookback_delta_ms || IsStale(it->v)) continue;
    out.push_back(VectorSample{s.labels, it->v});
  }
  return out;
}

Matrix Evaluation::EvalMatrixSelector(const Expr& e, const MatrixSelector& ms, int64_t t) const {
  const int64_t max_t = t - ms.selector.offset_ms;
  const int64_t min_t = max_t - ms.range_ms;
  if (const auto* r = RollupsFor(e, min_t)) {
    return internal::RollupMatrix(ms, r->second, r->first, t);
  }
  Matrix out;
  for (const Series& s : loaded_.at(&e)) {
    auto lo = std::lower_bound(s.samples.begin(), s.samples.end(), min_t,
                               [](const SamplePoint& p, int64_t v) { return p.t < v; });
    MatrixSeries m{s.labels, {}};
    for (auto it = lo; it != s.samples.end() && it->t <= max_t; ++it) {
      if (!IsStale(it->v)) m.points.push_back(*it);
    }
    if (!m.points.empty()) out.push_back(std::move(m));
  }
  return out;
}

namespace {

// absent(x) and absent_over_time(x[r]): 1 when the argument has no sample, labelled with the
// equality matchers of a plain selector argument (as Prometheus labels it), so an alert on
// absence names what went missing.
StepValue AbsentValue(const Expr& arg, bool present) {
  if (present) return StepValue(Vector{});
  const VectorSelector* vs = std::get_if<VectorSelector>(&arg.node);
  if (const auto* ms = std::get_if<MatrixSelector>(&arg.node)) vs = &ms->selector;
  std::vector<Label> labels;
  if (vs != nullptr) {
    std::map<std::string, int> seen;
    for (const LabelMatcher& m : vs->matchers) ++seen[m.name()];
    for (const LabelMatcher& m : vs->matchers) {
      // A name matched twice says nothing definite about the missing series' label.
      if (m.type() == MatchType::kEqual && m.name() != kMetricNameLabel && seen[m.name()] == 1) {
        labels.push_back({m.name(), m.value()});
      }
    }
  }
  return StepValue(Vector{VectorSample{MakeLabels(std::move(labels)), 1}});
}

}  // namespace

absl::StatusOr<StepValue> Evaluation::EvalCall(const Call& c, int64_t t) {
  if (c.function->function == Function::kAbsent) {
    absl::StatusOr<StepValue> v = Eval(*c.args[0], t);
    if (!v.ok()) return v;
    return AbsentValue(*c.args[0], !std::get<Vector>(*v).empty());
  }
  if (c.function->function == Function::kAbsentOverTime) {
    const auto& selector = std::get<MatrixSelector>(c.args[0]->node);
    const Matrix m = EvalMatrixSelector(*c.args[0], selector, t);
    const bool present =
        std::any_of(m.begin(), m.end(), [](const MatrixSeries& s) { return !s.points.empty(); });
    return AbsentValue(*c.args[0], present);
  }
  const auto& arg_types = c.function->args;
  const auto matrix_arg = std::find(arg_types.begin(), arg_types.end(), ValueType::kMatrix);
  if (matrix_arg != arg_types.end()) {
    const Expr& m = *c.args[matrix_arg - arg_types.begin()];
    double scalar_arg = 0;
    if (c.args.size() > 1) {
      absl::StatusOr<StepValue> s = Eval(*c.args[1], t);
      if (!s.ok()) return s;
      scalar_arg = std::get<double>(*s);
    }
    const auto& selector = std::get<MatrixSelector>(m.node);
    if (const auto* r = RollupsFor(m, t - selector.selector.offset_ms - selector.range_ms)) {
      absl::StatusOr<Vector> v = internal::ApplyRangeFunctionOnRollups(
          c.function->function, selector, r->second, r->first, scalar_arg, t);
      if (!v.ok()) return v.status();
      return StepValue(std::move(*v));
    }
    absl::StatusOr<Vector> v = internal::ApplyRangeFunction(
        c.function->function, selector, EvalMatrixSelector(m, selector, t), scalar_arg, t);
    if (!v.ok()) return v.status();
    return StepValue(std::move(*v));
  }
  std::vector<StepValue> args;
  for (const ExprPtr& a : c.args) {
    absl::StatusOr<StepValue> v = Eval(*a, t);
    if (!v.ok()) return v;
    args.push_back(std::move(*v));
  }
  return internal::ApplyInstantFunction(c.function->function, args, t);
}

absl::StatusOr<StepValue> Evaluation::EvalAggregation(const Aggregation& a, int64_t t) {
  double param = 0;
  if (a.param) {
    absl::StatusOr<StepValue> p = Eval(*a.param, t);
    if (!p.ok()) return p;
    param = std::get<double>(*p);
  }
  absl::StatusOr<StepValue> input = Eval(*a.expr, t);
  if (!input.ok()) return input;
  absl::StatusOr<Vector> out = internal::Aggregate(a, param, std::get<Vector>(*input));
  if (!out.ok()) return out.status();
  return StepValue(std::move(*out));
}

absl::StatusOr<StepValue> Evaluation::EvalUnary(const Unary& u, int64_t t) {
  absl::StatusOr<StepValue> v = Eval(*u.expr, t);
  if (!v.ok() || !u.negate) return v;
  if (double* d = std::get_if<double>(&*v)) return StepValue(-*d);
  Vector& vec = std::get<Vector>(*v);
  for (VectorSample& s : vec) {
    s.labels = WithoutMetricName(std::move(s.labels));
    s.value = -s.value;
  }
  if (absl::Status st = internal::CheckUniqueLabelsets(vec); !st.ok()) return st;
  return v;
}

absl::StatusOr<StepValue> Evaluation::Eval(const Expr& e, int64_t t) {
  return std::visit(
      [&](const auto& n) -> absl::StatusOr<StepValue> {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, NumberLiteral>) {
          return StepValue(n.value);
        } else if constexpr (std::is_same_v<T, StringLiteral>) {
          return StepValue(n.value);
        } else if constexpr (std::is_same_v<T, VectorSelector>) {
          return StepValue(EvalVectorSelector(e, n, t));
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          return StepValue(EvalMatrixSelector(e, n, t));
        } else if constexpr (std::is_same_v<T, Call>) {
          return EvalCall(n, t);
        } else if constexpr (std::is_same_v<T, Aggregation>) {
          return EvalAggregation(n, t);
        } else if constexpr (std::is_same_v<T, Binary>) {
          absl::StatusOr<StepValue> lhs = Eval(*n.lhs, t);
          if (!lhs.ok()) return lhs;
          absl::StatusOr<StepValue> rhs = Eval(*n.rhs, t);
          if (!rhs.ok()) return rhs;
          return internal::ApplyBinary(n, std::move(*lhs), std::move(*rhs));
        } else {
          return EvalUnary(n, t);
        }
      },
      e.node);
}

}  // namespace

Engine::Engine(const SeriesSource& source, EngineOptions options)
    : source_(source), options_(options) {}

absl::StatusOr<QueryResult> Engine::InstantQuery(std::string_view query, int64_t time_ms) const {
  absl::StatusOr<ExprPtr> expr = ParseQuery(query);
  if (!expr.ok()) return expr.status();
  Evaluation eval(source_, options_, time_ms, time_ms,
                  /*step=*/std::numeric_limits<int64_t>::max());
  if (absl::Status s = eval.Load(**expr); !s.ok()) return s;
  absl::StatusOr<StepValue> v = eval.Eval(**expr, time_ms);
  if (!v.ok()) return v.status();
  QueryResult r{.type = (*expr)->type, .time_ms = time_ms};
  if (double* d = std::get_if<double>(&*v)) r.scalar = *d;
  if (std::string* s = std::get_if<std::string>(&*v)) r.string = std::move(*s);
  if (Vector* vec = std::get_if<Vector>(&*v)) {
    r.vector = std::move(*vec);
    SortByLabels(r.vector);
  }
  if (Matrix* m = std::get_if<Matrix>(&*v)) r.matrix = std::move(*m);
  return r;
}

absl::StatusOr<QueryResult> Engine::RangeQuery(std::string_view query, int64_t start_ms,
                                               int64_t end_ms, int64_t step_ms) const {
  if (step_ms <= 0) {
    return absl::InvalidArgumentError(
        "zero or negative query resolution step widths are not accepted");
  }
  if (end_ms < start_ms) {
    return absl::InvalidArgumentError("end timestamp must not be before start time");
  }
  if ((end_ms - start_ms) / step_ms > options_.max_points_per_series) {
    return absl::InvalidArgumentError(
        Cat("exceeded maximum resolution of ", options_.max_points_per_series,
            " points per timeseries. Try decreasing the query resolution (?step=XX)"));
  }
  absl::StatusOr<ExprPtr> expr = ParseQuery(query);
  if (!expr.ok()) return expr.status();
  if ((*expr)->type != ValueType::kScalar && (*expr)->type != ValueType::kVector) {
    return absl::InvalidArgumentError(Cat("invalid expression type \"",
                                          ValueTypeName((*expr)->type),
                                          "\" for range query, must be Scalar or instant Vector"));
  }
  Evaluation eval(source_, options_, start_ms, end_ms, step_ms);
  if (absl::Status s = eval.Load(**expr); !s.ok()) return s;
  std::map<Labels, std::vector<SamplePoint>> series;
  for (int64_t t = start_ms; t <= end_ms; t += step_ms) {
    absl::StatusOr<StepValue> v = eval.Eval(**expr, t);
    if (!v.ok()) return v.status();
    if (const double* d = std::get_if<double>(&*v)) {
      series[Labels{}].push_back({t, *d});
      continue;
    }
    for (VectorSample& s : std::get<Vector>(*v))
      series[std::move(s.labels)].push_back({t, s.value});
  }
  QueryResult r{.type = ValueType::kMatrix};
  for (auto& [labels, points] : series) r.matrix.push_back({labels, std::move(points)});
  return r;
}

}  // namespace datamesh::monitoring::promql
