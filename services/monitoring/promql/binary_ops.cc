// Binary operators between scalars and instant vectors, with Prometheus 2.42's vector matching
// (promql/engine.go: VectorBinop, VectorAnd/Or/Unless, resultMetric).
#include <cmath>
#include <map>
#include <set>

#include "services/monitoring/exposition/text_util.h"
#include "services/monitoring/promql/eval_internal.h"

namespace datamesh::monitoring::promql::internal {
namespace {

// {value, keep}: arithmetic always keeps; a comparison keeps the left value when it holds.
std::pair<double, bool> ElementOp(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd: return {l + r, true};
    case BinaryOp::kSub: return {l - r, true};
    case BinaryOp::kMul: return {l * r, true};
    case BinaryOp::kDiv: return {l / r, true};
    case BinaryOp::kPow: return {std::pow(l, r), true};
    case BinaryOp::kMod: return {std::fmod(l, r), true};
    case BinaryOp::kEqlc: return {l, l == r};
    case BinaryOp::kNeq: return {l, l != r};
    case BinaryOp::kGtr: return {l, l > r};
    case BinaryOp::kLss: return {l, l < r};
    case BinaryOp::kGte: return {l, l >= r};
    case BinaryOp::kLte: return {l, l <= r};
    default: return {0, false};
  }
}

bool DropsMetricName(BinaryOp op) { return !IsComparison(op) && !IsSetOperator(op); }

std::string Signature(const VectorMatching& m, const Labels& labels) {
  if (m.on) return LabelsKey(KeepLabels(labels, m.matching_labels));
  std::vector<std::string> drop = m.matching_labels;
  drop.emplace_back(kMetricNameLabel);
  return LabelsKey(DropLabels(labels, drop));
}

Vector SetOperation(const Binary& b, Vector lhs, Vector rhs) {
  std::set<std::string> rhs_sigs;
  for (const VectorSample& s : rhs) rhs_sigs.insert(Signature(b.matching, s.labels));
  Vector out;
  if (b.op == BinaryOp::kOr) {
    std::set<std::string> lhs_sigs;
    for (VectorSample& s : lhs) {
      lhs_sigs.insert(Signature(b.matching, s.labels));
      out.push_back(std::move(s));
    }
    for (VectorSample& s : rhs) {
      if (!lhs_sigs.count(Signature(b.matching, s.labels))) out.push_back(std::move(s));
    }
    return out;
  }
  const bool want_match = b.op == BinaryOp::kAnd;
  for (VectorSample& s : lhs) {
    if ((rhs_sigs.count(Signature(b.matching, s.labels)) > 0) == want_match) {
      out.push_back(std::move(s));
    }
  }
  return out;
}

Labels ResultLabels(const Binary& b, const Labels& many, const Labels& one) {
  Labels out = DropsMetricName(b.op) ? WithoutMetricName(many) : many;
  const VectorMatching& m = b.matching;
  if (m.card == Cardinality::kOneToOne) {
    out = m.on ? KeepLabels(out, m.matching_labels) : DropLabels(out, m.matching_labels);
  }
  for (const std::string& name : m.include) SetLabel(out, name, GetLabel(one, name));
  if (b.return_bool) out = WithoutMetricName(std::move(out));
  return out;
}

absl::StatusOr<Vector> VectorVector(const Binary& b, Vector lhs, Vector rhs) {
  const VectorMatching& m = b.matching;
  const bool swapped = m.card == Cardinality::kOneToMany;
  if (swapped) std::swap(lhs, rhs);  // the "one" side is rhs from here on
  std::map<std::string, const VectorSample*> one_side;
  for (const VectorSample& s : rhs) {
    auto [it, inserted] = one_side.try_emplace(Signature(m, s.labels), &s);
    if (!inserted) {
      return ExecutionError(
          Cat("found duplicate series for the match group on the ", swapped ? "left" : "right",
              " hand-side of the operation: [", LabelsToString(s.labels), ", ",
              LabelsToString(it->second->labels),
              "];many-to-many matching not allowed: matching labels must be unique on one side"));
    }
  }
  std::map<std::string, std::set<std::string>> matched;  // signature -> result label sets
  Vector out;
  for (const VectorSample& s : lhs) {
    const std::string sig = Signature(m, s.labels);
    auto match = one_side.find(sig);
    if (match == one_side.end()) continue;
    double l = s.value, r = match->second->value;
    if (swapped) std::swap(l, r);
    auto [value, keep] = ElementOp(b.op, l, r);
    if (b.return_bool) {
      value = keep ? 1 : 0;
    } else if (!keep) {
      continue;
    }
    Labels labels = ResultLabels(b, s.labels, match->second->labels);
    auto [group, first] = matched.try_emplace(sig);
    if (m.card == Cardinality::kOneToOne) {
      if (!first) {
        return ExecutionError(
            "multiple matches for labels: many-to-one matching must be "
            "explicit (group_left/group_right)");
      }
    } else if (!group->second.insert(LabelsKey(labels)).second) {
      return ExecutionError(
          "multiple matches for labels: grouping labels must ensure unique matches");
    }
    out.push_back({std::move(labels), value});
  }
  return out;
}

Vector VectorScalar(const Binary& b, Vector v, double scalar, bool scalar_on_left) {
  Vector out;
  for (VectorSample& s : v) {
    double l = s.value, r = scalar;
    if (scalar_on_left) std::swap(l, r);
    auto [value, keep] = ElementOp(b.op, l, r);
    // A comparison keeps the vector's value even when the scalar is on the left.
    if (IsComparison(b.op) && scalar_on_left) value = r;
    if (b.return_bool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    if (DropsMetricName(b.op) || b.return_bool) s.labels = WithoutMetricName(std::move(s.labels));
    s.value = value;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

absl::StatusOr<StepValue> ApplyBinary(const Binary& b, StepValue lhs, StepValue rhs) {
  const double* ls = std::get_if<double>(&lhs);
  const double* rs = std::get_if<double>(&rhs);
  if (ls && rs) {
    auto [value, keep] = ElementOp(b.op, *ls, *rs);
    if (IsComparison(b.op)) value = keep ? 1 : 0;
    return StepValue(value);
  }
  Vector result;
  if (ls) {
    result = VectorScalar(b, std::move(std::get<Vector>(rhs)), *ls, true);
  } else if (rs) {
    result = VectorScalar(b, std::move(std::get<Vector>(lhs)), *rs, false);
  } else if (IsSetOperator(b.op)) {
    return StepValue(
        SetOperation(b, std::move(std::get<Vector>(lhs)), std::move(std::get<Vector>(rhs))));
  } else {
    absl::StatusOr<Vector> v =
        VectorVector(b, std::move(std::get<Vector>(lhs)), std::move(std::get<Vector>(rhs)));
    if (!v.ok()) return v.status();
    result = std::move(*v);
  }
  if (absl::Status s = CheckUniqueLabelsets(result); !s.ok()) return s;
  return StepValue(std::move(result));
}

}  // namespace datamesh::monitoring::promql::internal
