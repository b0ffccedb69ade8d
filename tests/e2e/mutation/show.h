// How the mutation test shows bytes in what it reports: a value in a case's description, and an
// excerpt of a request, an answer or a log line. Both escape every byte that is not printable.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace datamesh::e2e::mutation {

// `v` quoted and C-escaped, or its length alone when it is longer than 40 bytes.
std::string ShowValue(absl::string_view v);

// `s` C-escaped, cut after `max` bytes (saying how long it was).
std::string Excerpt(absl::string_view s, size_t max);

}  // namespace datamesh::e2e::mutation
