// The tally of a proposal's votes: a pure function of the voting-power snapshot, the votes and
// the thresholds fixed when the proposal opened.
//
//   turnout  = yes + no + abstain + veto               (weights from the snapshot)
//   quorum   : turnout / total snapshotted power >= quorum
//   vetoed   : veto / turnout >= vetoThreshold
//   passed   : quorum, not vetoed, and yes / (yes + no + veto) > threshold
//
// Thresholds are integers in parts per billion (0.334 -> 334,000,000) and every comparison is
// cross-multiplied in 128-bit integers, so "exactly at quorum" is decided exactly: no division,
// no floating point (0.334 * 1000 in doubles is 333.99999999999994).
//
// Thread-safe: no state.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace datamesh::governance::proposals {

enum class Choice { kYes, kNo, kAbstain, kVeto };

// "yes", "no", "abstain", "veto"; false for anything else.
bool ParseChoice(const std::string& text, Choice* out);
const char* ChoiceName(Choice choice);

struct Thresholds {
  int64_t quorum_ppb = 334'000'000;
  int64_t threshold_ppb = 500'000'000;
  int64_t veto_ppb = 334'000'000;
};

struct Vote {
  std::string voter_id;
  Choice choice = Choice::kYes;
};

enum class Outcome { kPassed, kRejected, kVetoed, kExpired };

// "passed", "rejected", "vetoed", "expired" (the proposal's state after close).
const char* OutcomeName(Outcome outcome);

struct TallyResult {
  int64_t yes = 0, no = 0, abstain = 0, veto = 0;  // micro-tokens
  int64_t total_power = 0;
  bool quorum_reached = false;
  bool vetoed = false;
  bool passed = false;
  Outcome outcome = Outcome::kExpired;
};

// Tallies `votes` against `power` (account -> snapshotted weight). A voter absent from the
// snapshot counts nothing; if a voter appears more than once, the last vote counts (a changed
// vote replaces the earlier one).
TallyResult Tally(const std::unordered_map<std::string, int64_t>& power,
                  const std::vector<Vote>& votes, const Thresholds& thresholds);

// The decision alone, from summed weights (what Tally computes after summing; the service
// calls it with sums taken in SQL).
TallyResult Decide(int64_t yes, int64_t no, int64_t abstain, int64_t veto, int64_t total_power,
                   const Thresholds& thresholds);

}  // namespace datamesh::governance::proposals
