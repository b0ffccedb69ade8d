#include "services/monitoring/admin_rules/promtool_check.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "services/monitoring/admin_rules/admin_rule.h"

extern char** environ;

namespace datamesh::monitoring::admin_rules {
namespace {

// Removes a file on scope exit.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

absl::Status MakeTemp(const std::string& pattern, TempFile& out) {
  std::string path = pattern;
  const int fd = ::mkstemps(path.data(), 4);
  if (fd < 0) return absl::InternalError("cannot create a temporary file for promtool");
  ::close(fd);
  out.path = std::move(path);
  return absl::OkStatus();
}

}  // namespace

std::string FindPromtool() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    const std::string candidate = absl::StrCat(dir, "/promtool");
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

absl::Status PromtoolCheck(const std::string& promtool, const v1::AlertRule& rule) {
  if (promtool.empty() || rule.kind() == v1::RULE_KIND_ANOMALY ||
      rule.kind() == v1::RULE_KIND_FORECAST) {
    return absl::OkStatus();
  }
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  TempFile rules, output;
  if (absl::Status s = MakeTemp(dir + "/dm-rule-XXXXXX.yml", rules); !s.ok()) return s;
  if (absl::Status s = MakeTemp(dir + "/dm-rule-XXXXXX.out", output); !s.ok()) return s;
  {
    // The rule-file form: a group holding the rule as ToYaml writes it (enabled is ours only).
    v1::AlertRule enabled = rule;
    enabled.set_enabled(true);
    std::ofstream f(rules.path);
    f << "groups:\n  - name: " << kAdminGroup << "\n    rules:\n";
    bool first = true;
    for (absl::string_view line : absl::StrSplit(ToYaml(enabled), '\n', absl::SkipEmpty())) {
      f << (first ? "      - " : "        ") << line << "\n";
      first = false;
    }
    if (!f) return absl::InternalError("cannot write the rule for promtool");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.path.c_str(),
                                   O_WRONLY | O_TRUNC, 0);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::string arg0 = promtool, arg1 = "check", arg2 = "rules", arg3 = rules.path;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), arg3.data(), nullptr};
  pid_t pid;
  const int spawned = ::posix_spawn(&pid, promtool.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return absl::InternalError(absl::StrCat("cannot run ", promtool));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError("lost the promtool process");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  std::ifstream in(output.path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string message(absl::StripTrailingAsciiWhitespace(text.str()));
  // promtool names our temporary file; the caller knows which rule it sent.
  message = absl::StrReplaceAll(message, {{rules.path, "rule"}});
  return absl::InvalidArgumentError(absl::StrCat("promtool check rules refused it: ", message));
}

}  // namespace datamesh::monitoring::admin_rules
