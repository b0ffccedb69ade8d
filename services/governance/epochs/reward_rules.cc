#include "services/governance/epochs/reward_rules.h"

#include <algorithm>

namespace datamesh::governance::epochs {
namespace {

int64_t ClampPpm(int64_t ppm) { return std::clamp<int64_t>(ppm, 0, kPpm); }

// floor(a x ppm / 10^6) for a >= 0, exact in 128 bits.
int64_t PartsPerMillion(int64_t a, int64_t ppm) {
  if (a <= 0) return 0;
  return static_cast<int64_t>(static_cast<__int128>(a) * ClampPpm(ppm) / kPpm);
}

}  // namespace

Weight NodeWeight(Weight byte_seconds, int64_t score_ppm) {
  return byte_seconds * static_cast<Weight>(ClampPpm(score_ppm));
}

std::vector<int64_t> SplitPool(int64_t pool, const std::vector<Weight>& weights) {
  std::vector<int64_t> shares(weights.size(), 0);
  if (pool <= 0) return shares;
  // The sum may not fit 128 bits either: shift as we go until it does, then shift the weights
  // by the same amount.
  int shift = 0;
  Weight total = 0;
  for (Weight w : weights) {
    Weight scaled = w >> shift;
    while (total + scaled < total || ((total + scaled) >> 63) != 0) {
      ++shift;
      total >>= 1;
      scaled = w >> shift;
    }
    total += scaled;
  }
  // Recompute the total with the final shift so the shares' floors are exact against it.
  total = 0;
  for (Weight w : weights) total += w >> shift;
  if (total == 0) return shares;
  const Weight p = static_cast<Weight>(pool);
  for (size_t i = 0; i < weights.size(); ++i) {
    shares[i] = static_cast<int64_t>(p * (weights[i] >> shift) / total);
  }
  return shares;
}

int64_t HeldBackPpm(int64_t initial_ppm, int64_t step_epochs, int64_t age_epochs) {
  const int64_t initial = ClampPpm(initial_ppm);
  if (step_epochs <= 0 || age_epochs < 0) return initial;
  const int64_t step = age_epochs / step_epochs;  // 0, 1, 2: full, two thirds, one third
  if (step >= 3) return 0;
  return initial * (3 - step) / 3;
}

PaySplit SplitHeld(int64_t earned, int64_t held_ppm) {
  PaySplit split;
  if (earned <= 0) return split;
  split.held = PartsPerMillion(earned, held_ppm);
  split.paid = earned - split.held;
  return split;
}

int64_t UptimePpm(double up_seconds, int64_t epoch_seconds) {
  if (epoch_seconds <= 0 || !(up_seconds > 0)) return 0;
  const double ppm = up_seconds * static_cast<double>(kPpm) / static_cast<double>(epoch_seconds);
  return ppm >= kPpm ? kPpm : static_cast<int64_t>(ppm);
}

int64_t DowntimeSlash(int64_t staked, int64_t uptime_ppm, int64_t min_uptime_ppm,
                      int64_t slash_ppm) {
  if (uptime_ppm >= min_uptime_ppm) return 0;
  return PartsPerMillion(staked, slash_ppm);
}

}  // namespace datamesh::governance::epochs
