// Sends mutated requests from a few threads at once, within a time budget.
#include "tests/e2e/mutation/send_cases.h"

#include <atomic>
#include <thread>

namespace datamesh::e2e::mutation {

SentCases SendCases(uint16_t port, const std::vector<Case>& cases, int threads,
                    std::chrono::seconds budget) {
  using Clock = std::chrono::steady_clock;
  SentCases sent;
  sent.exchanges.resize(cases.size());
  sent.attempted.assign(cases.size(), 0);
  std::atomic<size_t> next{0};
  const auto started = Clock::now();
  const auto deadline = started + budget;
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < cases.size() && Clock::now() < deadline; i = next++) {
        sent.attempted[i] = 1;
        sent.exchanges[i] = SendRaw(port, cases[i].bytes);
      }
    });
  }
  for (std::thread& t : workers) t.join();
  sent.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return sent;
}

}  // namespace datamesh::e2e::mutation
