// What the gateway answered to the mutated requests: answers counted by status; connections
// refused, unanswered or timed out; and the server errors, grouped by kind and by the corpus
// request mutated, with the shortest example of each for a reader to reproduce. A 5xx answer is
// a server error unless it is a 503 with Retry-After or the placeholder 501 of an area not built
// yet (which the corpus does not name, but a mutation might).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/mutation/case.h"
#include "tests/e2e/mutation/corpus.h"
#include "tests/e2e/mutation/send_cases.h"

namespace datamesh::e2e::mutation {

struct Tally {
  std::map<int, int> statuses;  // answers by status
  int sent = 0;                 // cases sent on a connection
  int unanswered = 0;           // ... that got no answer
  int timeouts = 0;             // ... whose connection the server kept open past the timeout
  int refused = 0;              // cases attempted that got no connection
  std::vector<std::string> timeout_examples;  // descriptions of the first three timeouts
  // The server errors by status and error code ("500 INTERNAL"), then by the name of the corpus
  // request mutated: the indexes of the cases.
  std::map<std::string, std::map<std::string, std::vector<size_t>>> server_errors;
};

Tally CountAnswers(const std::vector<Case>& cases, const SentCases& sent,
                   const std::vector<CorpusRequest>& corpus);

// "answers by status: 200:12 400:3; unanswered 1, timed out 0", with examples of timeouts.
std::string Describe(const Tally& t);

// One line per kind of server error: how many answers, from how many corpus requests.
std::vector<std::string> ServerErrorKinds(const Tally& t);

// At most `max` examples: for each kind and corpus request the shortest case, with its request
// and answer. Every kind gets its first example before any gets a second.
std::vector<std::string> ServerErrorExamples(const Tally& t, const std::vector<Case>& cases,
                                             const SentCases& sent, size_t max);

}  // namespace datamesh::e2e::mutation
