// The epoch worker: closes epoch N once its end has passed, exactly once, and opens N + 1.
//
// Closing epoch N, in one transaction under the governance worker's advisory lock (one replica
// at a time) and keyed per epoch in the ledger (a replay posts nothing twice):
//   1. issues rewards.epochIssuance from the mint into the rewards pool ("epoch/N/issuance");
//   2. splits the whole pool (the issuance, what fees added, earlier remainders) among admitted
//      operators in proportion to sum over their nodes of byte-seconds x audit score
//      (reward_rules.h); the floors' remainder stays in the pool for epoch N + 1;
//   3. pays each share to the operator's account, holding back HeldBackPpm of it in the
//      account's `held` bucket as a lot released at the close of N + rewards.heldBackEpochs;
//   4. releases held lots due at N; a disqualified operator (any of its nodes disqualified in
//      governance.node_reputation) earns nothing and forfeits every held lot to the treasury;
//   5. slashes penalty.downtimeSlashPpm of the stake of an operator whose nodes' mean uptime
//      is below penalty.minUptimePpm (ledger::Slash, into the treasury);
//   6. writes a paystub per operator and marks the epoch closed.
// Inputs: governance.node_epoch_usage (node_usage_recorder.h); audit scores from
// governance.node_reputation when that table exists (score 1.0 for a node without a row).
//
// Thread-safe: each call runs its own transactions; the pool must outlive the closer.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace datamesh::pg {
class Pool;
}

namespace datamesh::governance::epochs {

// The parameters of a close, read when it runs.
struct EpochRules {
  int64_t length_seconds = 0;         // epoch.lengthSeconds
  int64_t issuance = 0;               // rewards.epochIssuance
  int64_t held_back_ppm = 0;          // rewards.heldBackPpm
  int64_t held_back_step_epochs = 0;  // rewards.heldBackStepEpochs
  int64_t held_back_epochs = 0;       // rewards.heldBackEpochs
  int64_t min_uptime_ppm = 0;         // penalty.minUptimePpm
  int64_t downtime_slash_ppm = 0;     // penalty.downtimeSlashPpm
};
absl::StatusOr<EpochRules> ReadEpochRules(pqxx::work& tx);

// At most this many epochs are closed by one RunOnce (a long outage catches up over ticks).
inline constexpr int kMaxEpochsPerRun = 16;

class EpochCloser {
 public:
  explicit EpochCloser(pg::Pool& pg) : pg_(pg) {}

  // Opens epoch 0 at `now` when there is none, then closes each epoch whose end is at or
  // before `now`, each in its own transaction. Returns how many it closed (0 when another
  // replica holds the lock).
  absl::StatusOr<int> RunOnce(absl::Time now);

 private:
  pg::Pool& pg_;
};

// Closes the open epoch if it ended at or before `now` (steps 1-6 above) and opens the next.
// Returns the closed epoch's number, or nullopt when none was due. The caller holds the lock.
absl::StatusOr<std::optional<int64_t>> CloseDueEpoch(pqxx::work& tx, absl::Time now);

}  // namespace datamesh::governance::epochs
