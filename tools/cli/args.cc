#include "tools/cli/args.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace datamesh::cli {
namespace {

bool IsOption(const std::string& arg) { return arg.size() > 1 && arg[0] == '-'; }

// "--name=v" → ("name", "v"); "--name" → ("name", nullopt); "-o" → ("o", nullopt).
std::pair<std::string, std::optional<std::string>> SplitOption(const std::string& arg) {
  const std::string body = arg.substr(arg.rfind("--", 0) == 0 ? 2 : 1);
  const size_t eq = body.find('=');
  if (eq == std::string::npos) return {body, std::nullopt};
  return {body.substr(0, eq), body.substr(eq + 1)};
}

std::string Dashes(const std::string& name) { return name.size() == 1 ? "-" + name : "--" + name; }

absl::Status Unexpected(const std::string& what, const std::string& command) {
  return absl::InvalidArgumentError(absl::StrCat(what, " (see 'datamesh ", command, " --help')"));
}

std::string DefaultConfigDir(const EnvLookup& env) {
  std::optional<std::string> home = env("HOME");
  return absl::StrCat(home.value_or("."), "/.config/datamesh");
}

}  // namespace

absl::StatusOr<GlobalOptions> ParseGlobalOptions(const std::vector<std::string>& args,
                                                 const EnvLookup& env) {
  GlobalOptions g;
  std::optional<std::string> endpoint, config_dir;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || !IsOption(arg)) {
      if (g.command.empty() && !options_ended) {
        g.command = arg;
      } else {
        g.rest.push_back(arg);
      }
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      if (!g.command.empty()) g.rest.push_back(arg);
      continue;
    }
    auto [name, value] = SplitOption(arg);
    if (name == "json" && !value) {
      g.json = true;
    } else if ((name == "help" || name == "h") && !value) {
      g.help = true;
    } else if (name == "endpoint" || name == "config-dir") {
      if (!value) {
        if (i + 1 >= args.size()) return absl::InvalidArgumentError("--" + name + " needs a value");
        value = args[++i];
      }
      (name == "endpoint" ? endpoint : config_dir) = *value;
    } else {
      g.rest.push_back(arg);  // the command's own option
    }
  }
  g.endpoint = endpoint ? *endpoint : env("DM_ENDPOINT").value_or(kDefaultEndpoint);
  while (!g.endpoint.empty() && g.endpoint.back() == '/') g.endpoint.pop_back();
  if (g.endpoint.rfind("http://", 0) != 0 && g.endpoint.rfind("https://", 0) != 0) {
    return absl::InvalidArgumentError("the endpoint must start with http:// or https://");
  }
  g.config_dir = config_dir ? *config_dir : env("DM_CONFIG_DIR").value_or(DefaultConfigDir(env));
  return g;
}

std::optional<std::string> ParsedArgs::Value(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<ParsedArgs> ParseCommandArgs(const std::vector<std::string>& args,
                                            const CommandSpec& spec, const std::string& command) {
  ParsedArgs parsed;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || !IsOption(arg)) {
      parsed.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    auto [name, value] = SplitOption(arg);
    if (spec.bool_options.count(name) > 0) {
      if (value) return Unexpected(Dashes(name) + " takes no value", command);
      parsed.flags.insert(name);
    } else if (spec.value_options.count(name) > 0) {
      if (!value) {
        if (i + 1 >= args.size()) return Unexpected(Dashes(name) + " needs a value", command);
        value = args[++i];
      }
      parsed.values[name] = *value;
    } else {
      return Unexpected(absl::StrCat("unknown option ", arg, " for '", command, "'"), command);
    }
  }
  if (parsed.positionals.size() < spec.min_positionals) {
    return Unexpected(absl::StrCat("'", command, "' is missing an argument"), command);
  }
  if (parsed.positionals.size() > spec.max_positionals) {
    return Unexpected(absl::StrCat("too many arguments for '", command, "'"), command);
  }
  return parsed;
}

absl::StatusOr<std::string> ParseRangeOption(const std::string& text) {
  const size_t dash = text.find('-');
  const absl::Status bad = absl::InvalidArgumentError(
      absl::StrCat("invalid range '", text, "': use a-b, a- or -n (bytes, inclusive)"));
  if (dash == std::string::npos || text.find('-', dash + 1) != std::string::npos) return bad;
  const std::string first = text.substr(0, dash), last = text.substr(dash + 1);
  uint64_t a = 0, b = 0;
  if (first.empty() && last.empty()) return bad;
  // Digits only: SimpleAtoi would also accept signs and surrounding spaces.
  auto digits = [](const std::string& s) {
    return s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(first) || !digits(last)) return bad;
  if (!first.empty() && !absl::SimpleAtoi(first, &a)) return bad;
  if (!last.empty() && !absl::SimpleAtoi(last, &b)) return bad;
  if (!first.empty() && !last.empty() && b < a) return bad;
  if (first.empty() && b == 0) return bad;
  return "bytes=" + text;
}

absl::StatusOr<std::map<std::string, std::string>> ParseTagsOption(const std::string& text) {
  std::map<std::string, std::string> tags;
  for (absl::string_view pair : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    const size_t colon = pair.find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid tag '", std::string(pair), "': use key:value"));
    }
    tags[std::string(pair.substr(0, colon))] = std::string(pair.substr(colon + 1));
  }
  if (tags.empty()) return absl::InvalidArgumentError("--tags needs at least one key:value");
  return tags;
}

absl::StatusOr<uint64_t> ParsePositive(const std::string& name, const std::string& text) {
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " must be a positive integer, not '", text, "'"));
  }
  return value;
}

}  // namespace datamesh::cli
