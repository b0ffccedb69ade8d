// Sends mutated requests to the gateway, each on its own connection, from a few threads at
// once, until all are sent or a time budget is spent.
//
// SendCases is thread-safe; it blocks until its threads are done.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "tests/e2e/mutation/case.h"
#include "tests/e2e/mutation/raw_http.h"

namespace datamesh::e2e::mutation {

struct SentCases {
  std::vector<Exchange> exchanges;  // by case; empty for a case not attempted
  std::vector<char> attempted;      // by case: 1 if it was sent before the budget ran out
  double seconds = 0;               // how long the sending took
};

// Sends `cases` in order to 127.0.0.1:`port` from `threads` threads; a case not started within
// `budget` is not sent.
SentCases SendCases(uint16_t port, const std::vector<Case>& cases, int threads,
                    std::chrono::seconds budget);

}  // namespace datamesh::e2e::mutation
