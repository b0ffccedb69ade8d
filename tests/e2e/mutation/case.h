// One mutated request: the bytes sent on one connection, and how they were made from a corpus
// request (which one, and what changed), so that a failure can name it and be reproduced.
#pragma once

#include <cstddef>
#include <string>

namespace datamesh::e2e::mutation {

struct Case {
  size_t source = 0;  // index of the corpus request mutated
  std::string bytes;
  std::string description;  // "<corpus request>; <change>; <change>..."
};

}  // namespace datamesh::e2e::mutation
