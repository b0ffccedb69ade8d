// The arithmetic of an epoch's close: how the rewards pool is split among operators, how much of
// an operator's reward is held back, and when downtime costs stake. Pure functions over
// integers (micro-tokens, parts per million), so every rule has a table test
// (reward_rules_test.cc) and the close (epoch_closer.h) only reads inputs and posts results.
//
// Thread-safe: no state.
#pragma once

#include <cstdint>
#include <vector>

namespace datamesh::governance::epochs {

inline constexpr int64_t kPpm = 1'000'000;

// An operator's claim on the pool: the byte-seconds its nodes stored while up (average bytes
// stored x uptime x epoch length) times their audit score in ppm. Weights are unsigned 128-bit.
using Weight = unsigned __int128;

// A node's weight: byte_seconds x score_ppm (score clamped to [0, 1,000,000]).
Weight NodeWeight(Weight byte_seconds, int64_t score_ppm);

// Splits `pool` micro-tokens in proportion to `weights`: share i = floor(pool x w_i / sum w).
// What the floors leave (less than one micro-token per operator) is not paid: it stays in the
// pool for the next epoch. All zero weights (or pool <= 0): everyone gets 0. Exact: when the
// sum of weights needs more than 63 bits, every weight is shifted right by the same number of
// bits first, so pool x weight fits in 128 bits; the shift changes shares by at most one part
// in 2^62 of the pool.
std::vector<int64_t> SplitPool(int64_t pool, const std::vector<Weight>& weights);

// The share of a reward held back from an operator `age_epochs` old (0 in its first epoch):
// `initial_ppm` for the first `step_epochs` epochs, then two thirds, then one third, then 0 —
// the shape of a held amount that falls as an operator proves itself.
int64_t HeldBackPpm(int64_t initial_ppm, int64_t step_epochs, int64_t age_epochs);

struct PaySplit {
  int64_t paid = 0;  // to the operator's available bucket now
  int64_t held = 0;  // to its held bucket, released later
};

// Splits an earned reward: held = floor(earned x held_ppm / 10^6), paid = the rest (so the
// operator gets the rounding).
PaySplit SplitHeld(int64_t earned, int64_t held_ppm);

// Uptime in ppm: up_seconds / epoch_seconds, floored, at most 1,000,000 (a node heard by a
// late heartbeat of the previous epoch may be credited a little more than the epoch).
int64_t UptimePpm(double up_seconds, int64_t epoch_seconds);

// The stake to slash for downtime: floor(staked x slash_ppm / 10^6) when uptime_ppm is below
// min_uptime_ppm, else 0. Never more than `staked`; 0 when staked <= 0.
int64_t DowntimeSlash(int64_t staked, int64_t uptime_ppm, int64_t min_uptime_ppm,
                      int64_t slash_ppm);

}  // namespace datamesh::governance::epochs
