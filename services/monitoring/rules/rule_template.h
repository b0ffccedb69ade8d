// The small part of Prometheus' Go-template language that alert labels and annotations use:
//
//   {{ $labels.NAME }}   the value of a label of the alert's sample ("<no value>" when absent,
//                        as Go prints a missing map key)
//   {{ $value }}         the sample's value as Go's %v prints a float64
//   {{ $value | humanize }}, {{ $value | humanizePercentage }}, {{ $value | humanize1024 }}
//                        Prometheus' functions of those names
//   {{- ... -}}          trims the spaces on that side, as in Go
//
// Anything else inside {{ }} is refused by CheckTemplate, so a rule file our evaluator accepts
// renders here exactly as Prometheus renders it. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "services/monitoring/promql/labels.h"

namespace datamesh::monitoring::rules {

// INVALID_ARGUMENT naming the first unsupported or unterminated action.
absl::Status CheckTemplate(std::string_view text);

// Renders a template CheckTemplate accepted; `labels` are the sample's.
std::string ExpandTemplate(std::string_view text, const promql::Labels& labels, double value);

// Go's strconv.FormatFloat(v, 'g', -1, 64), which %v uses for a float64.
std::string GoFloatString(double v);

}  // namespace datamesh::monitoring::rules
