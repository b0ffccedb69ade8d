// Tally of 100,000 votes over a 100,000-account snapshot (issue target: at most 1 s).
#include <benchmark/benchmark.h>

#include "services/governance/proposals/tally.h"

namespace datamesh::governance::proposals {
namespace {

void BM_Tally100kVotes(benchmark::State& state) {
  const int n = 100'000;
  std::unordered_map<std::string, int64_t> power;
  std::vector<Vote> votes;
  power.reserve(n);
  votes.reserve(n);
  for (int i = 0; i < n; ++i) {
    std::string id = "account-" + std::to_string(i);
    power[id] = 1'000'000 + i;
    votes.push_back({id, static_cast<Choice>(i % 4)});
  }
  for (auto _ : state) benchmark::DoNotOptimize(Tally(power, votes, Thresholds{}));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Tally100kVotes)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace datamesh::governance::proposals
