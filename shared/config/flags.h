// FlagSet: command-line flags with DM_* environment fallbacks, so one binary runs the same
// locally (flags) and in a pod (env from a ConfigMap/Secret).
//
// Precedence: --flag on the command line, then the environment variable named by
// EnvNameFor(flag) ("nats-url" -> "DM_NATS_URL"), then the default held by the target.
// Accepted forms: --name=value, --name value, --bool-flag, --no-bool-flag, --help.
//
// A FlagSet does not own its targets; they must outlive Parse(). Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace datamesh::config {

// Looks an environment variable up; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

// "nats-url" -> "DM_NATS_URL".
std::string EnvNameFor(std::string_view flag_name);

class FlagSet {
 public:
  explicit FlagSet(std::string program) : program_(std::move(program)) {}

  void AddString(const std::string& name, std::string* target, std::string help);
  void AddInt(const std::string& name, int64_t* target, std::string help);
  void AddBool(const std::string& name, bool* target, std::string help);
  // Durations as "250ms", "5s", "1m", "2h" (absl::ParseDuration syntax).
  void AddDuration(const std::string& name, absl::Duration* target, std::string help);

  // Parses argv (argv[0] skipped) and the environment. INVALID_ARGUMENT names the flag and the
  // problem (unknown flag, missing or malformed value). After --help, help_requested() is true
  // and nothing else is checked.
  [[nodiscard]] absl::Status Parse(int argc, const char* const* argv,
                                   const EnvLookup& env = ProcessEnv());

  bool help_requested() const { return help_requested_; }
  // One line per flag: name, env variable, default, help.
  std::string Usage() const;
  // Name -> current value, for the start-up log line. Flags whose name contains "password",
  // "secret", "token" or "key" are shown as "<set>"/"<unset>"; the password of a URL
  // ("postgresql://u:pw@h/db") as "***".
  std::map<std::string, std::string> Values() const;

 private:
  struct Flag {
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::function<absl::Status(std::string_view)> set;
    std::function<std::string()> get;
  };
  void Add(const std::string& name, Flag flag);
  absl::Status Set(const std::string& name, std::string_view value, std::string_view origin);

  std::string program_;
  std::map<std::string, Flag> flags_;
  bool help_requested_ = false;
};

}  // namespace datamesh::config
