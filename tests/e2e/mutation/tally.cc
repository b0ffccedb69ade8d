// Counting the answers to the mutated requests, and picking the examples of server errors.
#include "tests/e2e/mutation/tally.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/e2e/e2e_util.h"
#include "tests/e2e/mutation/show.h"

namespace datamesh::e2e::mutation {
namespace {

// Whether `answer` (a 5xx) to `request` is one the gateway may give.
bool IsAllowedServerError(const Answer& answer, const std::string& request) {
  if (answer.status == 503 && answer.headers.contains("retry-after")) return true;
  return answer.status == 501 && (absl::StrContains(request, " /api/v1/monitoring/") ||
                                  absl::StrContains(request, " /api/v1/governance/"));
}

// The status and the API error code of `answer` ("500 INTERNAL"; "500 " if it has none).
std::string ErrorKind(const Answer& answer) {
  google::protobuf::Struct body;
  const bool json = google::protobuf::util::JsonStringToMessage(answer.body, &body).ok();
  return absl::StrCat(answer.status, " ", json ? Str(Obj(body, "error"), "code") : "");
}

// The example of `kind` from one corpus request: the shortest of its cases `found`.
std::string Example(const std::string& kind, const std::string& source,
                    const std::vector<size_t>& found, const std::vector<Case>& cases,
                    const SentCases& sent) {
  const size_t i = *std::min_element(found.begin(), found.end(), [&](size_t x, size_t y) {
    return cases[x].bytes.size() < cases[y].bytes.size();
  });
  return absl::StrCat(kind, " x", found.size(), " from \"", source, "\" (", cases[i].description,
                      "):\n  request: \"", Excerpt(cases[i].bytes, 2000), "\"\n  answer:  \"",
                      Excerpt(sent.exchanges[i].raw, 1000), "\"");
}

}  // namespace

Tally CountAnswers(const std::vector<Case>& cases, const SentCases& sent,
                   const std::vector<CorpusRequest>& corpus) {
  Tally t;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Exchange& ex = sent.exchanges[i];
    if (!sent.attempted[i]) continue;
    if (!ex.connected) {
      ++t.refused;
      continue;
    }
    ++t.sent;
    if (ex.timed_out && ++t.timeouts <= 3) t.timeout_examples.push_back(cases[i].description);
    if (ex.answers.empty()) ++t.unanswered;
    for (const Answer& answer : ex.answers) {
      ++t.statuses[answer.status];
      if (answer.status < 500 || IsAllowedServerError(answer, cases[i].bytes)) continue;
      t.server_errors[ErrorKind(answer)][corpus[cases[i].source].name].push_back(i);
    }
  }
  return t;
}

std::string Describe(const Tally& t) {
  std::string out = "answers by status:";
  for (const auto& [status, n] : t.statuses) absl::StrAppend(&out, " ", status, ":", n);
  absl::StrAppend(&out, "; unanswered ", t.unanswered, ", timed out ", t.timeouts);
  if (t.timeouts > 0)
    absl::StrAppend(&out, " (e.g. ", absl::StrJoin(t.timeout_examples, " | "), ")");
  return out;
}

std::vector<std::string> ServerErrorKinds(const Tally& t) {
  std::vector<std::string> out;
  for (const auto& [kind, by_source] : t.server_errors) {
    size_t total = 0;
    for (const auto& [source, found] : by_source) total += found.size();
    out.push_back(
        absl::StrCat(total, " answers ", kind, " (from ", by_source.size(), " corpus requests)"));
  }
  return out;
}

std::vector<std::string> ServerErrorExamples(const Tally& t, const std::vector<Case>& cases,
                                             const SentCases& sent, size_t max) {
  std::vector<std::string> examples;
  for (size_t round = 0; examples.size() < max; ++round) {
    bool more = false;
    for (const auto& [kind, by_source] : t.server_errors) {
      if (round >= by_source.size() || examples.size() == max) continue;
      more = true;
      const auto& [source, found] = *std::next(by_source.begin(), static_cast<long>(round));
      examples.push_back(Example(kind, source, found, cases, sent));
    }
    if (!more) break;
  }
  return examples;
}

}  // namespace datamesh::e2e::mutation
