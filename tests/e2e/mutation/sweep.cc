// The systematic mutations: every single replacement of one value by one edge value.
#include "tests/e2e/mutation/sweep.h"

#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/e2e/mutation/edge_values.h"
#include "tests/e2e/mutation/show.h"

namespace datamesh::e2e::mutation {
namespace {

// The request headers whose values the gateway interprets.
bool IsInterpretedHeader(const std::string& name) {
  static const auto* const kNames = new std::set<std::string>{
      "Range",        "X-File-Name", "X-Upload-Id", "X-DataMesh-Encryption",
      "X-Request-Id", "Content-Type"};
  return kNames->contains(name);
}

// Collects the cases of one corpus request.
class CaseSink {
 public:
  CaseSink(const std::vector<CorpusRequest>& corpus, size_t source, std::vector<Case>& out)
      : name_(corpus[source].name), source_(source), out_(out) {}

  void Add(const Request& r, const std::string& what) {
    out_.push_back({source_, Render(r), absl::StrCat(name_, "; ", what)});
  }

 private:
  const std::string& name_;
  size_t source_;
  std::vector<Case>& out_;
};

// `base` with each path id, query value and interpreted header value in turn replaced by `v`.
void ReplaceEachValue(const Request& base, const std::string& v, CaseSink& sink) {
  for (size_t i = 0; i < base.path.size(); ++i) {
    if (base.path[i].size() < 20) continue;  // ids only
    Request r = base;
    r.path[i] = v;
    sink.Add(r, absl::StrCat("path[", i, "] := ", ShowValue(v)));
  }
  for (size_t i = 0; i < base.query.size(); ++i) {
    Request r = base;
    r.query[i].second = v;
    sink.Add(r, absl::StrCat("query ", r.query[i].first, " := ", ShowValue(v)));
  }
  for (size_t i = 0; i < base.headers.size(); ++i) {
    if (!IsInterpretedHeader(base.headers[i].first)) continue;
    // A JSON route ignores the type (and its logins cost a password hash each).
    if (base.headers[i].first == "Content-Type" && absl::StartsWith(base.body, "{")) continue;
    Request r = base;
    r.headers[i].second = v;
    sink.Add(r, absl::StrCat("header ", r.headers[i].first, " := ", ShowValue(v)));
  }
}

// `base` with each quoted string of its body in turn replaced by each JSON escape.
void ReplaceEachBodyString(const Request& base, CaseSink& sink) {
  for (const auto& [open, close] : QuotedSpans(base.body)) {
    for (const std::string& v : JsonEscapes()) {
      Request r = base;
      r.body.replace(open + 1, close - open - 1, v);
      sink.Add(r,
               absl::StrCat("body string ", ShowValue(base.body.substr(open + 1, close - open - 1)),
                            " := ", ShowValue(v)));
    }
  }
}

}  // namespace

std::vector<Case> Sweep(const std::vector<CorpusRequest>& corpus) {
  std::vector<Case> out;
  for (size_t source = 0; source < corpus.size(); ++source) {
    CaseSink sink(corpus, source, out);
    for (const std::string& v : EdgeValues()) ReplaceEachValue(corpus[source].request, v, sink);
    ReplaceEachBodyString(corpus[source].request, sink);
  }
  return out;
}

}  // namespace datamesh::e2e::mutation
