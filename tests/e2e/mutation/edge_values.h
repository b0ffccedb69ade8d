// The values mutations put into requests: edge values for any part (empty, 10 KB, invalid or
// overlong UTF-8, surrogates, NUL, CR/LF, bad percent escapes, huge and negative numbers, odd
// ranges), JSON escapes and values for body strings, extra headers, and the replacements for
// the method, version, Content-Length and first chunk size. Fixed lists: the order is part of
// the seeded mutation sequence.
//
// Thread-safe: the lists are built once and never change.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace datamesh::e2e::mutation {

// Replacement values for any part.
const std::vector<std::string>& EdgeValues();

// Replacement contents for a JSON string: escapes that decode to what a protobuf string or a
// database column may not hold, besides the raw edge values.
const std::vector<std::string>& JsonEscapes();

// Whole values for a JSON member (replacing a string including its quotes).
const std::vector<std::string>& JsonValues();

// Whole header lines to add ("Name: value", some of them malformed).
const std::vector<std::string>& ExtraHeaders();

// Methods. Not DELETE: the corpus's files must outlive the mutations of their GETs.
const std::vector<std::string>& Methods();

// HTTP versions.
const std::vector<std::string>& Versions();

// Content-Length values for a body of `body_size` bytes.
std::vector<std::string> ContentLengths(size_t body_size);

// Size lines for the first chunk of a chunked body.
std::vector<std::string> FirstChunkSizes();

}  // namespace datamesh::e2e::mutation
