// PromQL functions, each as Prometheus 2.42 computes it (promql/functions.go): the order of
// floating point operations is kept where it changes results beyond rounding noise.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/promql/eval_internal.h"
#include "services/monitoring/promql/kahan.h"

namespace datamesh::monitoring::promql::internal {
namespace {

using Points = std::vector<SamplePoint>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The increase over the window (resets counted), extrapolated towards its edges.
std::optional<double> ExtrapolatedRate(const Points& p, const MatrixSelector& sel, int64_t t,
                                       bool is_counter, bool is_rate) {
  if (p.size() < 2) return std::nullopt;
  double result = p.back().v - p.front().v;
  if (is_counter) {
    double prev = p.front().v;
    for (size_t i = 1; i < p.size(); ++i) {
      if (p[i].v < prev) result += prev;  // a reset: count what was there before it
      prev = p[i].v;
    }
  }
  return ExtrapolateIncrease(result, {p.front().t, p.front().v}, p.back().t, p.size(), sel, t,
                             is_counter, is_rate);
}

std::optional<double> InstantRate(const Points& p) {
  if (p.size() < 2) return std::nullopt;
  const SamplePoint& last = p[p.size() - 1];
  const SamplePoint& previous = p[p.size() - 2];
  const double result = last.v < previous.v ? last.v : last.v - previous.v;
  const int64_t interval = last.t - previous.t;
  if (interval == 0) return std::nullopt;
  return result / (static_cast<double>(interval) / 1000);
}

// Least squares over (seconds since intercept_time, value): {slope, intercept}.
std::pair<double, double> LinearRegression(const Points& p, int64_t intercept_time) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  const double init_y = p.front().v;
  bool const_y = true;
  for (size_t i = 0; i < p.size(); ++i) {
    if (const_y && i > 0 && p[i].v != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(p[i].t - intercept_time) / 1e3;
    KahanAdd(x, sum_x, c_x);
    KahanAdd(p[i].v, sum_y, c_y);
    KahanAdd(x * p[i].v, sum_xy, c_xy);
    KahanAdd(x * x, sum_x2, c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) return {kNaN, kNaN};
    return {0, init_y};
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  const double slope = cov_xy / var_x;
  return {slope, sum_y / n - slope * sum_x / n};
}

double AvgOverTime(const Points& p) {
  double mean = 0, count = 0;
  for (const SamplePoint& s : p) {
    count++;
    if (std::isinf(mean)) {
      // An infinite mean stays as it is unless a NaN or the opposite infinity comes.
      if (std::isinf(s.v) && (mean > 0) == (s.v > 0)) continue;
      if (!std::isinf(s.v) && !std::isnan(s.v)) continue;
    }
    mean += s.v / count - mean / count;
  }
  return mean;
}

double SumOverTime(const Points& p) {
  double sum = 0, c = 0;
  for (const SamplePoint& s : p) KahanAdd(s.v, sum, c);
  return std::isinf(sum) ? sum : sum + c;
}

double StddevOverTime(const Points& p) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const SamplePoint& s : p) {
    count++;
    const double delta = s.v - (mean + c_mean);
    KahanAdd(delta / count, mean, c_mean);
    KahanAdd(delta * (s.v - (mean + c_mean)), aux, c_aux);
  }
  return std::sqrt((aux + c_aux) / count);
}

double MinOrMaxOverTime(const Points& p, bool want_max) {
  double r = p.front().v;
  for (const SamplePoint& s : p) {
    if ((want_max ? r < s.v : r > s.v) || std::isnan(r)) r = s.v;
  }
  return r;
}

std::optional<double> RangeFunctionValue(Function f, const MatrixSelector& sel, const Points& p,
                                         double arg, int64_t t) {
  switch (f) {
    case Function::kRate: return ExtrapolatedRate(p, sel, t, true, true);
    case Function::kIncrease: return ExtrapolatedRate(p, sel, t, true, false);
    case Function::kIrate: return InstantRate(p);
    case Function::kDeriv:
      if (p.size() < 2) return std::nullopt;
      return LinearRegression(p, p.front().t).first;
    case Function::kPredictLinear: {
      if (p.size() < 2) return std::nullopt;
      const auto [slope, intercept] = LinearRegression(p, t);
      return slope * arg + intercept;
    }
    case Function::kAvgOverTime: return AvgOverTime(p);
    case Function::kSumOverTime: return SumOverTime(p);
    case Function::kCountOverTime: return static_cast<double>(p.size());
    case Function::kStddevOverTime: return StddevOverTime(p);
    case Function::kMinOverTime: return MinOrMaxOverTime(p, false);
    case Function::kMaxOverTime: return MinOrMaxOverTime(p, true);
    default: return std::nullopt;
  }
}

struct Bucket {
  double upper_bound;
  double count;
};

// The q-quantile of one classic histogram, interpolated linearly inside its bucket.
double BucketQuantile(double q, std::vector<Bucket> buckets) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(buckets.begin(), buckets.end(),
            [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; });
  if (!std::isinf(buckets.back().upper_bound) || buckets.back().upper_bound < 0) return kNaN;
  // Buckets with the same bound (from series that differ only in other ways) add up.
  std::vector<Bucket> merged;
  for (const Bucket& b : buckets) {
    if (!merged.empty() && merged.back().upper_bound == b.upper_bound) {
      merged.back().count += b.count;
    } else {
      merged.push_back(b);
    }
  }
  // Counts must not fall with the bound (they can, from scrapes of different moments).
  double max = -std::numeric_limits<double>::infinity();
  for (Bucket& b : merged) {
    if (b.count > max) {
      max = b.count;
    } else if (b.count < max) {
      b.count = max;
    }
  }
  if (merged.size() < 2) return kNaN;
  const double observations = merged.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  size_t b = 0;
  while (b < merged.size() - 1 && !(merged[b].count >= rank)) ++b;
  if (b == merged.size() - 1) return merged[merged.size() - 2].upper_bound;
  if (b == 0 && merged[0].upper_bound <= 0) return merged[0].upper_bound;
  double start = 0;
  const double end = merged[b].upper_bound;
  double count = merged[b].count;
  if (b > 0) {
    start = merged[b - 1].upper_bound;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

Vector HistogramQuantile(double q, const Vector& in) {
  struct Group {
    Labels labels;
    std::vector<Bucket> buckets;
  };
  std::map<std::string, Group> groups;  // by the labels without `le`
  std::vector<std::string> order;
  for (const VectorSample& s : in) {
    const std::optional<double> bound = ParseFloatText(GetLabel(s.labels, "le"));
    if (!bound) continue;  // not a bucket: Prometheus skips it
    const std::string key = LabelsKey(DropLabels(s.labels, {"le"}));
    auto [it, inserted] = groups.try_emplace(key);
    if (inserted) {
      it->second.labels = DropLabels(s.labels, {std::string(kMetricNameLabel), "le"});
      order.push_back(key);
    }
    it->second.buckets.push_back({*bound, s.value});
  }
  Vector out;
  for (const std::string& key : order) {
    Group& g = groups[key];
    out.push_back({g.labels, BucketQuantile(q, std::move(g.buckets))});
  }
  return out;
}

}  // namespace

std::optional<double> ExtrapolateIncrease(double result, SamplePoint first, int64_t last_t,
                                          size_t count, const MatrixSelector& sel, int64_t t,
                                          bool is_counter, bool is_rate) {
  if (count < 2) return std::nullopt;
  const int64_t range_start = t - (sel.range_ms + sel.selector.offset_ms);
  const int64_t range_end = t - sel.selector.offset_ms;
  double to_start = static_cast<double>(first.t - range_start) / 1000;
  const double to_end = static_cast<double>(range_end - last_t) / 1000;
  const double sampled = static_cast<double>(last_t - first.t) / 1000;
  const double average_interval = sampled / static_cast<double>(count - 1);
  if (is_counter && result > 0 && first.v >= 0) {
    const double to_zero = sampled * (first.v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = average_interval * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : average_interval / 2;
  interval += to_end < threshold ? to_end : average_interval / 2;
  double factor = interval / sampled;
  if (is_rate) factor /= static_cast<double>(sel.range_ms) / 1000;
  return result * factor;
}

absl::Status ExecutionError(std::string_view message) {
  return absl::FailedPreconditionError(std::string(message));
}

absl::Status CheckUniqueLabelsets(const Vector& v) {
  std::vector<const Labels*> sorted;
  for (const VectorSample& s : v) sorted.push_back(&s.labels);
  std::sort(sorted.begin(), sorted.end(), [](const Labels* a, const Labels* b) { return *a < *b; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (*sorted[i] == *sorted[i - 1]) {
      return ExecutionError("vector cannot contain metrics with the same labelset");
    }
  }
  return absl::OkStatus();
}

double GoMax(double a, double b) {
  if (std::isinf(a) && a > 0) return a;
  if (std::isinf(b) && b > 0) return b;
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == 0 && a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

double GoMin(double a, double b) {
  if (std::isinf(a) && a < 0) return a;
  if (std::isinf(b) && b < 0) return b;
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == 0 && a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

absl::StatusOr<Vector> ApplyRangeFunction(Function f, const MatrixSelector& selector,
                                          const Matrix& m, double scalar_arg, int64_t t) {
  Vector out;
  for (const MatrixSeries& s : m) {
    const std::optional<double> v = RangeFunctionValue(f, selector, s.points, scalar_arg, t);
    if (v) out.push_back({WithoutMetricName(s.labels), *v});
  }
  if (absl::Status st = CheckUniqueLabelsets(out); !st.ok()) return st;
  return out;
}

absl::StatusOr<StepValue> ApplyInstantFunction(Function f, std::vector<StepValue>& args,
                                               int64_t t) {
  auto map_values = [&](auto fn) -> absl::StatusOr<StepValue> {
    Vector v = std::move(std::get<Vector>(args[0]));
    for (VectorSample& s : v) {
      s.labels = WithoutMetricName(std::move(s.labels));
      s.value = fn(s.value);
    }
    if (absl::Status st = CheckUniqueLabelsets(v); !st.ok()) return st;
    return StepValue(std::move(v));
  };
  switch (f) {
    case Function::kTime: return StepValue(static_cast<double>(t) / 1000);
    case Function::kVector:
      return StepValue(Vector{VectorSample{Labels{}, std::get<double>(args[0])}});
    case Function::kScalar: {
      const Vector& v = std::get<Vector>(args[0]);
      return StepValue(v.size() == 1 ? v[0].value : kNaN);
    }
    case Function::kAbs: return map_values([](double v) { return std::fabs(v); });
    case Function::kClampMin: {
      const double bound = std::get<double>(args[1]);
      return map_values([bound](double v) { return GoMax(v, bound); });
    }
    case Function::kClampMax: {
      const double bound = std::get<double>(args[1]);
      return map_values([bound](double v) { return GoMin(v, bound); });
    }
    case Function::kHistogramQuantile: {
      Vector out = HistogramQuantile(std::get<double>(args[0]), std::get<Vector>(args[1]));
      if (absl::Status st = CheckUniqueLabelsets(out); !st.ok()) return st;
      return StepValue(std::move(out));
    }
    default:
      return absl::InternalError(Cat("function ", static_cast<int>(f), " needs a range vector"));
  }
}

}  // namespace datamesh::monitoring::promql::internal
