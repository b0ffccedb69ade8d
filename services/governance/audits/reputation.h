// Audit reputation: a beta reputation per storage node with forgetting, the rule that vets a
// node and the one that disqualifies it. Pure functions; the consumer (audit_consumer.h) keeps
// the state in governance.node_reputation.
//
// Each audit result v (+1 success, -1 failure) updates, with forgetting factor lambda and
// weight w:
//   alpha <- lambda * alpha + w * (1 + v) / 2
//   beta  <- lambda * beta  + w * (1 - v) / 2
//   score  = alpha / (alpha + beta)
// A new node starts at alpha = w / (1 - lambda), beta = 0: where a node that never failed
// settles, so its score is 1 and one failure costs it about (1 - lambda) of it. Forgetting makes
// old results count less: after n straight failures the score is lambda^n. With the defaults
// (lambda 0.999, w 1, threshold 0.96) that is 41 failures in a row, or a failure rate of about
// 4% sustained -- a node that lost a few shards survives, one that lost its disk does not.
// "offline" and "unknown" results move nothing but their counters: a node that does not answer
// is measured by uptime, and an unattributable inconsistency blames nobody.
//
// Thread-safe: free functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace datamesh::governance::audits {

// The governance parameters the rules read (audit.*, vetting.auditsRequired).
struct ReputationRules {
  double lambda = 0.999;           // audit.lambda, in [0.5, 0.9999]
  double weight = 1;               // audit.weight, > 0
  double disqualify_below = 0.96;  // audit.disqualifyBelow
  int64_t audits_required = 100;   // vetting.auditsRequired: successful audits to be vetted
};

struct NodeReputation {
  double alpha = 0;
  double beta = 0;
  int64_t total = 0;
  int64_t success = 0;
  int64_t failed = 0;
  int64_t offline = 0;
  bool vetted = false;
  bool disqualified = false;

  double score() const { return alpha + beta > 0 ? alpha / (alpha + beta) : 1.0; }
};

// What one audit result changed beyond the numbers.
struct AuditEffect {
  bool vetted_now = false;
  bool disqualified_now = false;
};

// A node never audited before.
NodeReputation NewReputation(const ReputationRules& rules);

// Applies one result ("success", "failure", "offline", "unknown"). A disqualified node is
// final: its results are counted and change nothing else. INVALID_ARGUMENT for another outcome.
[[nodiscard]] absl::StatusOr<AuditEffect> ApplyAudit(NodeReputation& node, std::string_view outcome,
                                                     const ReputationRules& rules);

}  // namespace datamesh::governance::audits
