// The random mutations, from a fixed seed: a corpus request with parts replaced, added or
// dropped (method, version, path segment, query, headers, Content-Length, chunking, body
// strings), its rendered bytes flipped, cut, repeated, inserted or erased, and sometimes a
// valid request pipelined before or after it. The same seed and corpus give the same cases in
// the same order.
//
// Thread-compatible: one Mutator per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/e2e/mutation/case.h"
#include "tests/e2e/mutation/corpus.h"

namespace datamesh::e2e::mutation {

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  // The next case: a random corpus request with up to two parts and up to two byte runs changed
  // (at least one change in all). Precondition: `corpus` is not empty.
  Case Next(const std::vector<CorpusRequest>& corpus);

 private:
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng_() % n); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  std::string Edge();  // one of the edge values

  // Each replaces or adds one part of `r` and returns what it did.
  std::string MutatePart(Request& r);
  std::string ReplaceMethod(Request& r);
  std::string ReplaceVersion(Request& r);
  std::string ReplacePathSegment(Request& r);
  std::string ReplaceQueryPart(Request& r);
  std::string ReplaceHeaderValue(Request& r);
  std::string AddHeader(Request& r);
  std::string DropHeader(Request& r);
  std::string ReplaceContentLength(Request& r);
  std::string ChangeChunking(Request& r);
  std::string MutateBodyString(Request& r);

  // Each changes the rendered bytes `b` (at `at`) and returns what it did.
  std::string MutateBytes(std::string& b);
  std::string FlipByte(std::string& b, size_t at);
  std::string RepeatSlice(std::string& b, size_t at);
  std::string InsertBytes(std::string& b, size_t at);
  std::string EraseBytes(std::string& b, size_t at);

  // Puts a valid corpus request before or after `bytes`; returns which.
  std::string AddValidNeighbour(const std::vector<CorpusRequest>& corpus, std::string& bytes);

  std::mt19937_64 rng_;
};

}  // namespace datamesh::e2e::mutation
