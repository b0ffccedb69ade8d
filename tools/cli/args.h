// Command-line parsing for the `datamesh` CLI: global options (accepted anywhere on the line),
// the command word(s), and each command's own options and positional arguments.
//
// Pure functions over vectors of strings (the environment is passed in), so they are unit-tested
// without a process. Errors are kInvalidArgument with a message for the user (exit code 2).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace datamesh::cli {

inline constexpr char kDefaultEndpoint[] = "http://127.0.0.1:8080";

// Looks an environment variable up; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

struct GlobalOptions {
  std::string endpoint;           // --endpoint, else DM_ENDPOINT, else kDefaultEndpoint
  std::string config_dir;         // --config-dir, else DM_CONFIG_DIR, else $HOME/.config/datamesh
  bool json = false;              // --json
  bool help = false;              // --help / -h (anywhere)
  std::string command;            // first non-option word; empty when none
  std::vector<std::string> rest;  // everything after the command, globals removed
};

// Splits global options off `args` (argv without the program name).
[[nodiscard]] absl::StatusOr<GlobalOptions> ParseGlobalOptions(const std::vector<std::string>& args,
                                                               const EnvLookup& env);

// The options one command accepts, by long name ("name") or one-letter name ("o").
struct CommandSpec {
  std::set<std::string> value_options;
  std::set<std::string> bool_options;
  size_t min_positionals = 0;
  size_t max_positionals = SIZE_MAX;
};

struct ParsedArgs {
  std::vector<std::string> positionals;
  std::map<std::string, std::string> values;
  std::set<std::string> flags;

  std::optional<std::string> Value(const std::string& name) const;
  bool Has(const std::string& flag) const { return flags.count(flag) > 0; }
};

// Parses a command's arguments: "--opt value", "--opt=value", "-o value", "--flag", and "--"
// ending the options. `command` names the command in error messages.
[[nodiscard]] absl::StatusOr<ParsedArgs> ParseCommandArgs(const std::vector<std::string>& args,
                                                          const CommandSpec& spec,
                                                          const std::string& command);

// "a-b", "a-" or "-n" (bytes, inclusive as in HTTP) → the Range header value "bytes=a-b".
[[nodiscard]] absl::StatusOr<std::string> ParseRangeOption(const std::string& text);

// "k:v,k2:v2" → validated (non-empty keys, each pair has a ':'); returned unchanged.
[[nodiscard]] absl::StatusOr<std::map<std::string, std::string>> ParseTagsOption(
    const std::string& text);

// A positive integer option such as --limit.
[[nodiscard]] absl::StatusOr<uint64_t> ParsePositive(const std::string& name,
                                                     const std::string& text);

}  // namespace datamesh::cli
