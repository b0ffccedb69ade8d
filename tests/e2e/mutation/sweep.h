// The systematic mutations: every single replacement of one value of a corpus request by one
// edge value (ids in paths, query values, the headers the gateway interprets), and of every
// quoted string of a body by every JSON escape. No randomness: the same corpus gives the same
// cases in the same order.
//
// Pure function; thread-safe.
#pragma once

#include <vector>

#include "tests/e2e/mutation/case.h"
#include "tests/e2e/mutation/corpus.h"

namespace datamesh::e2e::mutation {

std::vector<Case> Sweep(const std::vector<CorpusRequest>& corpus);

}  // namespace datamesh::e2e::mutation
