// Reads Prometheus rule files (the YAML `promtool check rules` reads):
//
//   groups:
//     - name: storage
//       interval: 1m                  # optional; the evaluator's default when absent
//       rules:
//         - alert: ChunkStoreDiskAlmostFull
//           expr: datamesh_chunk_store_used_bytes / datamesh_chunk_store_capacity_bytes > 0.85
//           for: 10m
//           keep_firing_for: 5m
//           labels: {severity: warning}
//           annotations: {summary: "...", description: "...", remediation: "..."}
//         - record: job:up:sum
//           expr: sum by (service) (up)
//
// Checked as Prometheus checks them, and a little more: unknown keys, a rule with both or
// neither of `record`/`alert`, a missing or unparsable `expr`, a record name that is not a
// metric name, bad label names, `for`/`annotations` on a recording rule, duplicate group names,
// and templates outside what rule_template.h renders. Errors are INVALID_ARGUMENT and name the
// place: `rules.yml: group "storage": rule 2 (ChunkStoreDiskAlmostFull): expr: 1:5: parse error:
// ...`, or `rules.yml:7:3: <YAML syntax error>`. A file either loads whole or not at all.
//
// Pure functions but for LoadRuleFiles reading the files; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/monitoring/rules/rule.h"

namespace datamesh::monitoring::rules {

// Parses one file's text; `file_name` is used in errors and stored in each group.
absl::StatusOr<std::vector<RuleGroup>> ParseRuleFile(std::string_view yaml,
                                                     std::string_view file_name);

// Reads and parses every file in order; NOT_FOUND when one cannot be read, INVALID_ARGUMENT as
// above, also when two files declare groups of the same name.
absl::StatusOr<std::vector<RuleGroup>> LoadRuleFiles(const std::vector<std::string>& paths);

}  // namespace datamesh::monitoring::rules
