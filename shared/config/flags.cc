#include "shared/config/flags.h"

#include <cstdlib>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace datamesh::config {
namespace {

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsSecretName(const std::string& name) {
  for (const char* word : {"password", "secret", "token", "key"}) {
    if (absl::StrContains(name, word)) return true;
  }
  return false;
}

// "scheme://user:password@host" -> "scheme://user:***@host": connection URLs carry passwords.
std::string RedactUrlPassword(std::string value) {
  auto scheme = value.find("://");
  auto at = value.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return value;
  auto colon = value.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return value;
  return value.replace(colon + 1, at - colon - 1, "***");
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::string EnvNameFor(std::string_view flag_name) {
  std::string out = "DM_";
  for (char c : flag_name)
    out += c == '-' ? '_' : absl::ascii_toupper(static_cast<unsigned char>(c));
  return out;
}

void FlagSet::Add(const std::string& name, Flag flag) {
  flag.default_text = flag.get();
  flags_[name] = std::move(flag);
}

void FlagSet::AddString(const std::string& name, std::string* target, std::string help) {
  Add(name, {std::move(help), "", false,
             [target](std::string_view v) {
               *target = std::string(v);
               return absl::OkStatus();
             },
             [target] { return *target; }});
}

void FlagSet::AddInt(const std::string& name, int64_t* target, std::string help) {
  Add(name, {std::move(help), "", false,
             [target](std::string_view v) {
               int64_t parsed;
               if (!absl::SimpleAtoi(Absl(v), &parsed)) {
                 return absl::InvalidArgumentError("expected an integer");
               }
               *target = parsed;
               return absl::OkStatus();
             },
             [target] { return std::to_string(*target); }});
}

void FlagSet::AddBool(const std::string& name, bool* target, std::string help) {
  Add(name, {std::move(help), "", true,
             [target](std::string_view v) {
               bool parsed;
               if (!absl::SimpleAtob(Absl(v), &parsed)) {
                 return absl::InvalidArgumentError("expected true or false");
               }
               *target = parsed;
               return absl::OkStatus();
             },
             [target] { return std::string(*target ? "true" : "false"); }});
}

void FlagSet::AddDuration(const std::string& name, absl::Duration* target, std::string help) {
  Add(name, {std::move(help), "", false,
             [target](std::string_view v) {
               absl::Duration parsed;
               if (!absl::ParseDuration(Absl(v), &parsed) || parsed < absl::ZeroDuration()) {
                 return absl::InvalidArgumentError("expected a duration such as 500ms, 5s, 2m");
               }
               *target = parsed;
               return absl::OkStatus();
             },
             [target] { return absl::FormatDuration(*target); }});
}

absl::Status FlagSet::Set(const std::string& name, std::string_view value,
                          std::string_view origin) {
  absl::Status s = flags_.at(name).set(value);
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid value for ", Absl(origin), ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status FlagSet::Parse(int argc, const char* const* argv, const EnvLookup& env) {
  std::set<std::string> from_command_line;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return absl::OkStatus();
    }
    if (arg.substr(0, 2) != "--") {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument: ", Absl(arg)));
    }
    arg.remove_prefix(2);
    std::string name(arg.substr(0, arg.find('=')));
    std::optional<std::string> value;
    if (arg.find('=') != std::string_view::npos) value = std::string(arg.substr(arg.find('=') + 1));
    auto it = flags_.find(name);
    if (it == flags_.end() && name.rfind("no-", 0) == 0 && !value) {
      auto negated = flags_.find(name.substr(3));
      if (negated != flags_.end() && negated->second.is_bool) {
        name = name.substr(3);
        it = negated;
        value = "false";
      }
    }
    if (it == flags_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    if (!value) {
      if (it->second.is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    if (auto s = Set(name, *value, "--" + name); !s.ok()) return s;
    from_command_line.insert(name);
  }
  for (const auto& [name, flag] : flags_) {
    if (from_command_line.count(name) > 0) continue;
    std::string env_name = EnvNameFor(name);
    if (std::optional<std::string> v = env(env_name); v.has_value()) {
      if (auto s = Set(name, *v, env_name); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

std::string FlagSet::Usage() const {
  std::string out = absl::StrCat("Usage: ", program_, " [flags]\n\nFlags (env fallback):\n");
  for (const auto& [name, flag] : flags_) {
    absl::StrAppend(&out, "  --", name, " (", EnvNameFor(name), ")  default: \"",
                    IsSecretName(name) ? "" : flag.default_text, "\"\n      ", flag.help, "\n");
  }
  return out;
}

std::map<std::string, std::string> FlagSet::Values() const {
  std::map<std::string, std::string> out;
  for (const auto& [name, flag] : flags_) {
    std::string v = flag.get();
    out[name] = IsSecretName(name) ? (v.empty() ? "<unset>" : "<set>") : RedactUrlPassword(v);
  }
  return out;
}

}  // namespace datamesh::config
