// Label sets as PromQL sees them: the metric name is the label "__name__"; a set is sorted by
// name with unique names. Value types, no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace datamesh::monitoring::promql {

inline constexpr std::string_view kMetricNameLabel = "__name__";

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
  friend auto operator<=>(const Label&, const Label&) = default;
};

// Sorted by name, names unique; empty values are never stored (PromQL treats an empty value as
// an absent label).
using Labels = std::vector<Label>;

// Sorts by name and drops empty values. Duplicate names are the caller's bug.
Labels MakeLabels(std::vector<Label> labels);

// The value of `name`, or "" when absent.
std::string_view GetLabel(const Labels& labels, std::string_view name);

Labels WithoutMetricName(Labels labels);

// Copies keeping only (Keep) or dropping (Drop) the named labels.
Labels KeepLabels(const Labels& labels, const std::vector<std::string>& names);
Labels DropLabels(const Labels& labels, const std::vector<std::string>& names);

// Sets `name` to `value` (removes it when `value` is empty), keeping the order.
void SetLabel(Labels& labels, std::string_view name, std::string_view value);

// A byte string equal for equal label sets and different otherwise: a map key.
std::string LabelsKey(const Labels& labels);

// {a="b", c="d"} with the metric name in front, as Prometheus prints series in errors.
std::string LabelsToString(const Labels& labels);

}  // namespace datamesh::monitoring::promql
