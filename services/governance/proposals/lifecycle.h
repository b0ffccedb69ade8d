// ProposalLifecycle: the periodic worker that moves proposals on when their time comes.
//
//   open    --closes_at-->        passed | rejected | vetoed | expired (quorum not reached)
//                                 deposit refunded to the proposer, or burned to the treasury
//                                 when vetoed; governance.proposal.closed
//   passed  --executable_at-->    executed (closes_at + proposal.enactmentDelaySeconds):
//                                 governance's own parameters and treasury spends applied in
//                                 the same transaction; governance.proposal.executed for the
//                                 owning services, whose answers arrive as change.applied
//           --+ grace period-->   expired (not executed within proposal.gracePeriodSeconds)
//           execution refused --> failed (e.g. the treasury holds less than the spend)
//
// Each step is one transaction that also writes its durable event to governance.outbox; the
// caller publishes the outbox afterwards. Replicas run the worker concurrently; a transaction-
// scoped advisory lock (pg_try_advisory_xact_lock) lets one of them work at a time and the
// others skip the round.
//
// Thread-safe. The pool must outlive the worker.
#pragma once

#include <functional>
#include <pqxx/pqxx>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/pg/pool.h"

namespace datamesh::governance::proposals {

inline constexpr char kOutboxTable[] = "governance.outbox";

struct LifecycleOptions {
  std::string source;  // event source, "governance/<instance>"
  // Applies an executed operator admission or removal to governance's operator registry in the
  // execution's transaction (type is "operator_admission" or "operator_removal"). Unset: the
  // execution records governance's part as failed with "operator registry not available".
  std::function<absl::Status(pqxx::work&, const std::string& type, const std::string& operator_id)>
      apply_operator_change;
};

class ProposalLifecycle {
 public:
  ProposalLifecycle(pg::Pool& pool, LifecycleOptions options)
      : pool_(pool), options_(std::move(options)) {}

  // Closes and executes every proposal due at `now`. Returns how many changed state; 0 also
  // when another replica holds the worker lock.
  absl::StatusOr<int> RunOnce(absl::Time now);

 private:
  // One due proposal in its own transaction; false when nothing was done.
  absl::StatusOr<bool> Step(const std::string& id, absl::Time now);

  pg::Pool& pool_;
  const LifecycleOptions options_;
};

}  // namespace datamesh::governance::proposals
