#include "tools/thrash/tally.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace datamesh::thrash {
namespace {

// Failure examples are log evidence, not the log itself.
constexpr size_t kMaxDetail = 300;

std::string Key(Phase phase, const std::string& op) {
  return absl::StrCat(PhaseName(phase), "/", op);
}

}  // namespace

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kFaults: return "faults";
    case Phase::kSettle: return "settle";
    case Phase::kFinal: return "final";
  }
  return "?";
}

void Tally::SetPhase(Phase phase) {
  std::lock_guard<std::mutex> lock(mu_);
  phase_ = phase;
}

void Tally::Ok(const std::string& op) {
  std::lock_guard<std::mutex> lock(mu_);
  ++ok_[op];
}

void Tally::Failed(const std::string& op, const std::string& cause, const std::string& detail) {
  std::lock_guard<std::mutex> lock(mu_);
  Cause& c = failed_[Key(phase_, op)][cause];
  if (c.count++ == 0) c.first_detail = detail.substr(0, kMaxDetail);
}

void Tally::Violation(const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  violations_.push_back(what);
  LogLocked("VIOLATION: " + what);
}

void Tally::FaultInjected(const std::string& kind, const std::string& target) {
  std::lock_guard<std::mutex> lock(mu_);
  ++faults_[absl::StrCat(kind, " ", target)];
}

void Tally::Log(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  LogLocked(line);
}

double Tally::Seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Tally::LogLocked(const std::string& line) {
  absl::FPrintF(out_, "[+%.1fs] %s\n", Seconds(), line);
  fflush(out_);
}

int Tally::violations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(violations_.size());
}

int Tally::FailuresIn(Phase phase) const {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string prefix = absl::StrCat(PhaseName(phase), "/");
  int n = 0;
  for (const auto& [key, causes] : failed_) {
    if (key.rfind(prefix, 0) != 0) continue;
    for (const auto& [cause, c] : causes) n += c.count;
  }
  return n;
}

std::string Tally::Progress() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string s = "progress: ok";
  for (const auto& [op, n] : ok_) absl::StrAppend(&s, " ", op, "=", n);
  int failed = 0;
  for (const auto& [key, causes] : failed_) {
    for (const auto& [cause, c] : causes) failed += c.count;
  }
  absl::StrAppend(&s, "; failed ", failed, "; violations ", violations_.size());
  return s;
}

std::string Tally::Summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string s = "== summary\noperations that succeeded:\n";
  if (ok_.empty()) s += "  none\n";
  for (const auto& [op, n] : ok_) absl::StrAppendFormat(&s, "  %-22s %d\n", op, n);
  s += "failures allowed by the contract (phase/operation, cause, count, first example):\n";
  if (failed_.empty()) s += "  none\n";
  for (const auto& [key, causes] : failed_) {
    for (const auto& [cause, c] : causes) {
      absl::StrAppendFormat(&s, "  %-22s %-40s %5d  %s\n", key, cause, c.count, c.first_detail);
    }
  }
  int total = 0;
  for (const auto& [what, n] : faults_) total += n;
  absl::StrAppendFormat(&s, "faults injected: %d\n", total);
  for (const auto& [what, n] : faults_) absl::StrAppendFormat(&s, "  %-32s %d\n", what, n);
  absl::StrAppendFormat(&s, "violations: %d\n", violations_.size());
  for (const std::string& v : violations_) s += "  " + v + "\n";
  return s;
}

}  // namespace datamesh::thrash
