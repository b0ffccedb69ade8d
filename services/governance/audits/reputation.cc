#include "services/governance/audits/reputation.h"

#include <string>

namespace datamesh::governance::audits {

NodeReputation NewReputation(const ReputationRules& rules) {
  NodeReputation n;
  n.alpha = rules.weight / (1 - rules.lambda);
  return n;
}

absl::StatusOr<AuditEffect> ApplyAudit(NodeReputation& node, std::string_view outcome,
                                       const ReputationRules& rules) {
  double v = 0;
  if (outcome == "success") {
    v = 1;
  } else if (outcome == "failure") {
    v = -1;
  } else if (outcome != "offline" && outcome != "unknown") {
    return absl::InvalidArgumentError("unknown audit outcome " + std::string(outcome));
  }
  ++node.total;
  if (outcome == "success") ++node.success;
  if (outcome == "failure") ++node.failed;
  if (outcome == "offline") ++node.offline;
  AuditEffect effect;
  if (node.disqualified || v == 0) return effect;
  node.alpha = rules.lambda * node.alpha + rules.weight * (1 + v) / 2;
  node.beta = rules.lambda * node.beta + rules.weight * (1 - v) / 2;
  if (node.score() < rules.disqualify_below) {
    node.disqualified = true;
    effect.disqualified_now = true;
    return effect;
  }
  if (!node.vetted && node.success >= rules.audits_required) {
    node.vetted = true;
    effect.vetted_now = true;
  }
  return effect;
}

}  // namespace datamesh::governance::audits
