// Aggregation operators, computed as Prometheus 2.42 does (promql/engine.go, aggregation):
// groups in order of first appearance, avg as an incremental mean, stddev by Welford.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/promql/eval_internal.h"

namespace datamesh::monitoring::promql::internal {
namespace {

struct Group {
  Labels labels;
  double value = 0;
  double mean = 0;
  double count = 0;
  std::vector<const VectorSample*> members;  // topk/bottomk candidates
};

// The labels a sample's group is known by, and the key that identifies the group.
Labels GroupLabels(const Aggregation& agg, const Labels& labels) {
  if (agg.without) {
    std::vector<std::string> drop = agg.grouping;
    drop.emplace_back(kMetricNameLabel);
    return DropLabels(labels, drop);
  }
  return KeepLabels(labels, agg.grouping);
}

void Accumulate(AggregationOp op, Group& g, double v) {
  switch (op) {
    case AggregationOp::kSum: g.value += v; break;
    case AggregationOp::kAvg:
      g.count++;
      if (std::isinf(g.mean)) {
        if (std::isinf(v) && (g.mean > 0) == (v > 0)) break;
        if (!std::isinf(v) && !std::isnan(v)) break;
      }
      g.mean += v / g.count - g.mean / g.count;
      break;
    case AggregationOp::kMax:
      if (g.value < v || std::isnan(g.value)) g.value = v;
      break;
    case AggregationOp::kMin:
      if (g.value > v || std::isnan(g.value)) g.value = v;
      break;
    case AggregationOp::kCount: g.count++; break;
    case AggregationOp::kStddev: {
      g.count++;
      const double delta = v - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (v - g.mean);
      break;
    }
    case AggregationOp::kTopk:
    case AggregationOp::kBottomk: break;
  }
}

// topk/bottomk: the k largest (smallest) of a group, NaN ranked last, largest (smallest) first.
void AppendTopK(const Group& g, int64_t k, bool top, Vector& out) {
  std::vector<const VectorSample*> members = g.members;
  auto better = [top](const VectorSample* a, const VectorSample* b) {
    if (std::isnan(a->value)) return false;
    if (std::isnan(b->value)) return true;
    return top ? a->value > b->value : a->value < b->value;
  };
  std::stable_sort(members.begin(), members.end(), better);
  const size_t n = std::min<size_t>(members.size(), static_cast<size_t>(k));
  for (size_t i = 0; i < n; ++i) out.push_back(*members[i]);
}

}  // namespace

absl::StatusOr<Vector> Aggregate(const Aggregation& agg, double param, const Vector& input) {
  const bool is_topk = agg.op == AggregationOp::kTopk || agg.op == AggregationOp::kBottomk;
  int64_t k = 0;
  if (is_topk) {
    if (!(param >= -9.2e18 && param <= 9.2e18)) {
      return ExecutionError(Cat("Scalar value ", param, " overflows int64"));
    }
    k = static_cast<int64_t>(param);
    if (k < 1) return Vector{};
  }
  std::map<std::string, size_t> index;
  std::vector<Group> groups;
  for (const VectorSample& s : input) {
    Labels labels = GroupLabels(agg, s.labels);
    auto [it, inserted] = index.try_emplace(LabelsKey(labels), groups.size());
    if (inserted) {
      Group g{.labels = std::move(labels), .value = s.value, .mean = s.value, .count = 1};
      if (agg.op == AggregationOp::kStddev) g.value = 0;
      g.members.push_back(&s);
      groups.push_back(std::move(g));
      continue;
    }
    Group& g = groups[it->second];
    if (is_topk) {
      g.members.push_back(&s);
    } else {
      Accumulate(agg.op, g, s.value);
    }
  }
  Vector out;
  for (const Group& g : groups) {
    switch (agg.op) {
      case AggregationOp::kAvg: out.push_back({g.labels, g.mean}); break;
      case AggregationOp::kCount: out.push_back({g.labels, g.count}); break;
      case AggregationOp::kStddev: out.push_back({g.labels, std::sqrt(g.value / g.count)}); break;
      case AggregationOp::kTopk: AppendTopK(g, k, true, out); break;
      case AggregationOp::kBottomk: AppendTopK(g, k, false, out); break;
      default: out.push_back({g.labels, g.value}); break;
    }
  }
  return out;
}

}  // namespace datamesh::monitoring::promql::internal
