#include "services/governance/proposals/tally.h"

namespace datamesh::governance::proposals {
namespace {

constexpr __int128 kBillion = 1'000'000'000;

// a / b >= ppb / 10^9, i.e. a * 10^9 >= ppb * b. Weights are at most ~9e15 micro-tokens and
// ppb at most 10^9, so each product stays below 2^127.
bool AtLeast(int64_t a, int64_t b, int64_t ppb) {
  return static_cast<__int128>(a) * kBillion >= static_cast<__int128>(ppb) * b;
}
bool MoreThan(int64_t a, int64_t b, int64_t ppb) {
  return static_cast<__int128>(a) * kBillion > static_cast<__int128>(ppb) * b;
}

}  // namespace

bool ParseChoice(const std::string& text, Choice* out) {
  for (Choice c : {Choice::kYes, Choice::kNo, Choice::kAbstain, Choice::kVeto}) {
    if (text == ChoiceName(c)) {
      *out = c;
      return true;
    }
  }
  return false;
}

const char* ChoiceName(Choice choice) {
  switch (choice) {
    case Choice::kYes: return "yes";
    case Choice::kNo: return "no";
    case Choice::kAbstain: return "abstain";
    case Choice::kVeto: return "veto";
  }
  return "unknown";
}

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed: return "passed";
    case Outcome::kRejected: return "rejected";
    case Outcome::kVetoed: return "vetoed";
    case Outcome::kExpired: return "expired";
  }
  return "unknown";
}

TallyResult Decide(int64_t yes, int64_t no, int64_t abstain, int64_t veto, int64_t total_power,
                   const Thresholds& t) {
  TallyResult r{yes, no, abstain, veto, total_power};
  const int64_t turnout = yes + no + abstain + veto;
  // No power at all can never reach a quorum, even a zero one: nobody could have voted.
  r.quorum_reached = total_power > 0 && turnout > 0 && AtLeast(turnout, total_power, t.quorum_ppb);
  r.vetoed = r.quorum_reached && veto > 0 && AtLeast(veto, turnout, t.veto_ppb);
  const int64_t deciding = yes + no + veto;  // abstain is left out of the threshold
  r.passed =
      r.quorum_reached && !r.vetoed && deciding > 0 && MoreThan(yes, deciding, t.threshold_ppb);
  r.outcome = !r.quorum_reached ? Outcome::kExpired
              : r.vetoed        ? Outcome::kVetoed
              : r.passed        ? Outcome::kPassed
                                : Outcome::kRejected;
  return r;
}

TallyResult Tally(const std::unordered_map<std::string, int64_t>& power,
                  const std::vector<Vote>& votes, const Thresholds& thresholds) {
  // The last vote of each voter wins; voters without snapshotted power weigh nothing.
  std::unordered_map<std::string_view, Choice> last;
  last.reserve(votes.size());
  for (const Vote& v : votes) last[v.voter_id] = v.choice;
  int64_t sums[4] = {0, 0, 0, 0};
  for (const auto& [voter, choice] : last) {
    auto it = power.find(std::string(voter));
    if (it == power.end() || it->second <= 0) continue;
    sums[static_cast<int>(choice)] += it->second;
  }
  int64_t total = 0;
  for (const auto& [account, weight] : power) {
    if (weight > 0) total += weight;
  }
  return Decide(sums[0], sums[1], sums[2], sums[3], total, thresholds);
}

}  // namespace datamesh::governance::proposals
