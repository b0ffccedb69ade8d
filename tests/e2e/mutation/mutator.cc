// The random mutations. Every draw from the generator is part of the sequence a seed gives:
// the order of the draws below is what makes a run reproducible.
#include "tests/e2e/mutation/mutator.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/e2e/e2e_util.h"
#include "tests/e2e/mutation/edge_values.h"
#include "tests/e2e/mutation/show.h"

namespace datamesh::e2e::mutation {

Case Mutator::Next(const std::vector<CorpusRequest>& corpus) {
  Case c;
  c.source = Below(corpus.size());
  Request r = corpus[c.source].request;
  std::vector<std::string> what{corpus[c.source].name};
  // Most cases change parts, many also bytes; every case changes something.
  const int parts = static_cast<int>(Below(3));
  const int bytes = parts == 0 ? 1 + static_cast<int>(Below(2)) : static_cast<int>(Below(2));
  for (int i = 0; i < parts; ++i) what.push_back(MutatePart(r));
  c.bytes = Render(r);
  for (int i = 0; i < bytes; ++i) what.push_back(MutateBytes(c.bytes));
  // Some connections carry two requests: a valid one before or after the mutated one.
  if (Below(10) == 0) what.push_back(AddValidNeighbour(corpus, c.bytes));
  c.description = absl::StrJoin(what, "; ");
  return c;
}

std::string Mutator::Edge() { return Pick(EdgeValues()); }

std::string Mutator::AddValidNeighbour(const std::vector<CorpusRequest>& corpus,
                                       std::string& bytes) {
  Request other = corpus[Below(corpus.size())].request;
  other.headers.emplace_back("Connection", "keep-alive");
  if (Below(2) == 0) {
    bytes = Render(other) + bytes;
    return "after a valid request";
  }
  bytes += Render(other);
  return "then a valid request";
}

std::string Mutator::MutatePart(Request& r) {
  // JSON members and multipart parameters travel furthest (into the services' stores).
  if (r.body.find('"') != std::string::npos && Below(3) == 0) return MutateBodyString(r);
  switch (Below(11)) {
    case 0: return ReplaceMethod(r);
    case 1: return ReplaceVersion(r);
    case 2:
    case 3: return ReplacePathSegment(r);
    case 4: return ReplaceQueryPart(r);
    case 5: return ReplaceHeaderValue(r);
    case 6: return AddHeader(r);
    case 7: return DropHeader(r);
    case 8: return ReplaceContentLength(r);
    case 9: return ChangeChunking(r);
    default: return MutateBodyString(r);
  }
}

std::string Mutator::ReplaceMethod(Request& r) {
  r.method = Pick(Methods());
  return "method := " + ShowValue(r.method);
}

std::string Mutator::ReplaceVersion(Request& r) {
  r.version = Pick(Versions());
  return "version := " + ShowValue(r.version);
}

std::string Mutator::ReplacePathSegment(Request& r) {
  // Parameters (ids) are the likelier target.
  size_t i = Below(r.path.size());
  if (Below(3) != 0 && r.path.size() > 3) i = 3 + Below(r.path.size() - 3);
  r.path[i] = Edge();
  return absl::StrCat("path[", i, "] := ", ShowValue(r.path[i]));
}

std::string Mutator::ReplaceQueryPart(Request& r) {
  if (r.query.empty()) {
    r.query.emplace_back(Edge(), Edge());
    return absl::StrCat("query += ", ShowValue(r.query.back().first), "=",
                        ShowValue(r.query.back().second));
  }
  const size_t i = Below(r.query.size());
  if (Below(4) == 0) {
    r.query[i].first = Edge();
    return absl::StrCat("query name[", i, "] := ", ShowValue(r.query[i].first));
  }
  r.query[i].second = Edge();
  return absl::StrCat("query ", r.query[i].first, " := ", ShowValue(r.query[i].second));
}

std::string Mutator::ReplaceHeaderValue(Request& r) {
  if (r.headers.empty()) return MutatePart(r);
  auto& [name, value] = r.headers[Below(r.headers.size())];
  if (name == "Authorization" && Below(2) == 0) {
    value = "Bearer " + Edge();
    return "bearer := " + ShowValue(value.substr(7));
  }
  value = Edge();
  return absl::StrCat("header ", name, " := ", ShowValue(value));
}

std::string Mutator::AddHeader(Request& r) {
  const std::string& h = Pick(ExtraHeaders());
  const size_t colon = h.find(':');
  r.headers.emplace_back(
      h.substr(0, colon),
      std::string(absl::StripLeadingAsciiWhitespace(h.substr(std::min(colon + 1, h.size())))));
  return "header += " + ShowValue(h);
}

std::string Mutator::DropHeader(Request& r) {
  if (r.headers.empty()) return MutatePart(r);
  const size_t i = Below(r.headers.size());
  const std::string name = r.headers[i].first;
  r.headers.erase(r.headers.begin() + static_cast<long>(i));
  return "header -= " + name;
}

std::string Mutator::ReplaceContentLength(Request& r) {
  r.content_length = Pick(ContentLengths(r.body.size()));
  return "Content-Length := " + ShowValue(*r.content_length);
}

std::string Mutator::ChangeChunking(Request& r) {
  if (!r.chunked) {
    r.chunked = !r.body.empty() && Below(2) == 0;
    if (r.chunked) return "body as chunked";
    return MutatePart(r);
  }
  r.first_chunk_size = Pick(FirstChunkSizes());
  return "chunk size := " + ShowValue(*r.first_chunk_size);
}

// Replaces the contents of one quoted string of the body (JSON members, multipart parameters),
// or one whole JSON value; inserts an edge value into a body without quoted strings.
std::string Mutator::MutateBodyString(Request& r) {
  const std::vector<std::pair<size_t, size_t>> spans = QuotedSpans(r.body);
  if (spans.empty()) {
    const size_t at = Below(r.body.size() + 1);
    const std::string v = Edge();
    r.body.insert(at, v);
    return absl::StrCat("body[", at, "] += ", ShowValue(v));
  }
  const auto [open, close] = Pick(spans);
  const std::string old = r.body.substr(open + 1, close - open - 1);
  switch (Below(3)) {
    case 0: {
      const std::string v = Pick(JsonEscapes());
      r.body.replace(open + 1, close - open - 1, v);
      return absl::StrCat("body string ", ShowValue(old), " := ", ShowValue(v));
    }
    case 1: {
      const std::string v = Pick(JsonValues());
      r.body.replace(open, close - open + 1, v);
      return absl::StrCat("body value ", ShowValue(old), " := ", ShowValue(v));
    }
    default: {
      const std::string v = Edge();
      r.body.replace(open + 1, close - open - 1, v);
      return absl::StrCat("body string ", ShowValue(old), " := ", ShowValue(v));
    }
  }
}

std::string Mutator::MutateBytes(std::string& b) {
  if (b.empty()) b = "\r\n";
  const size_t at = Below(b.size());
  switch (Below(5)) {
    case 0: return FlipByte(b, at);
    case 1: b.resize(at); return absl::StrCat("cut@", at);
    case 2: return RepeatSlice(b, at);
    case 3: return InsertBytes(b, at);
    default: return EraseBytes(b, at);
  }
}

std::string Mutator::FlipByte(std::string& b, size_t at) {
  const auto mask = static_cast<char>(Below(2) == 0 ? 1 << Below(8) : 1 + Below(255));
  b[at] = static_cast<char>(b[at] ^ mask);
  return absl::StrCat("flip@", at, "^", static_cast<int>(static_cast<unsigned char>(mask)));
}

std::string Mutator::RepeatSlice(std::string& b, size_t at) {
  const size_t len = 1 + Below(std::min<size_t>(64, b.size() - at));
  const size_t times = 1 + Below(Below(4) == 0 ? 200 : 3);
  std::string slice = b.substr(at, len);
  std::string copies;
  for (size_t i = 0; i < times; ++i) copies += slice;
  b.insert(at + len, copies);
  return absl::StrCat("repeat@", at, "+", len, "x", times);
}

std::string Mutator::InsertBytes(std::string& b, size_t at) {
  std::string v = Below(2) == 0 ? Edge() : e2e::RandomBytes(1 + Below(8), rng_());
  b.insert(at, v);
  return absl::StrCat("insert@", at, " ", ShowValue(v));
}

std::string Mutator::EraseBytes(std::string& b, size_t at) {
  const size_t len = 1 + Below(std::min<size_t>(16, b.size() - at));
  b.erase(at, len);
  return absl::StrCat("erase@", at, "+", len);
}

}  // namespace datamesh::e2e::mutation
