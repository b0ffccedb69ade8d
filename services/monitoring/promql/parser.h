// The PromQL parser: query text to a type-checked syntax tree (ast.h), or an error that names
// the line and column ("1:7: parse error: ..."), as Prometheus words its own. Supports the
// subset listed in README.md; anything else (subqueries, @, other functions) is a clear
// INVALID_ARGUMENT. Pure function, thread-safe.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "services/monitoring/promql/ast.h"

namespace datamesh::monitoring::promql {

absl::StatusOr<ExprPtr> ParseQuery(std::string_view query);

}  // namespace datamesh::monitoring::promql
