#include "tools/cli/cli.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/cli/commands.h"
#include "tools/cli/exit_codes.h"

namespace datamesh::cli {
namespace {

constexpr char kGlobalHelp[] =
    "Global options (anywhere on the line):\n"
    "  --endpoint URL     gateway address (env DM_ENDPOINT; default http://127.0.0.1:8080)\n"
    "  --config-dir DIR   credentials and e2e key (env DM_CONFIG_DIR; default\n"
    "                     ~/.config/datamesh)\n"
    "  --json             machine-readable output on stdout, no progress bars\n"
    "  -h, --help         help for the command\n";

const Command* FindCommand(const std::string& name) {
  for (const Command& c : AllCommands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void PrintError(FILE* err, bool json, const absl::Status& status) {
  const int code = ExitCodeFor(status);
  if (json) {
    const nlohmann::json body = {{"error",
                                  {{"code", absl::StatusCodeToString(status.code())},
                                   {"message", std::string(status.message())},
                                   {"exitCode", code}}}};
    std::fprintf(err, "%s\n",
                 body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::fprintf(err, "datamesh: error: %s\n", std::string(status.message()).c_str());
  }
}

}  // namespace

const std::vector<Command>& AllCommands() {
  static const auto* const kCommands = [] {
    auto* all = new std::vector<Command>();
    for (std::vector<Command> group :
         {AccountCommands(), S3KeyCommands(), FileCommands(), std::vector<Command>{PutCommand(), GetCommand()},
          OperationCommands(), MetricsCommands(), GovernanceCommands(), WalletCommands(),
          InvoiceCommands()}) {
      all->insert(all->end(), group.begin(), group.end());
    }
    return all;
  }();
  return *kCommands;
}

std::string MainHelp() {
  std::string help =
      "datamesh: command-line client of a DataMesh network\n\n"
      "Usage: datamesh [global options] <command> [arguments]\n\nCommands:\n";
  for (const Command& c : AllCommands()) {
    absl::StrAppendFormat(&help, "  %-10s %s\n", c.name, c.summary);
  }
  absl::StrAppend(&help, "\n", kGlobalHelp, "\n", ExitCodeHelp(),
                  "\nRun 'datamesh <command> --help' for a command's options.\n");
  return help;
}

int RunCli(const std::vector<std::string>& args, const EnvLookup& env, FILE* out, FILE* err) {
  absl::StatusOr<GlobalOptions> global = ParseGlobalOptions(args, env);
  if (!global.ok()) {
    PrintError(err, false, global.status());
    return kExitUsage;
  }
  if (global->command.empty() || global->command == "help") {
    std::fputs(MainHelp().c_str(), global->help || global->command == "help" ? out : err);
    return global->help || global->command == "help" ? kExitOk : kExitUsage;
  }
  const Command* command = FindCommand(global->command);
  if (command == nullptr) {
    PrintError(err, global->json,
               absl::InvalidArgumentError(absl::StrCat("unknown command '", global->command,
                                                       "' (see 'datamesh --help')")));
    return kExitUsage;
  }
  if (global->help) {
    std::fprintf(out, "%s\n\n%s\n%s", command->usage.c_str(), kGlobalHelp, ExitCodeHelp().c_str());
    return kExitOk;
  }
  absl::StatusOr<ParsedArgs> parsed = ParseCommandArgs(global->rest, command->spec, command->name);
  absl::Status status = parsed.status();
  if (parsed.ok()) {
    absl::StatusOr<std::unique_ptr<HttpClient>> http = HttpClient::Create();
    if (!http.ok()) {
      status = http.status();
    } else {
      Context ctx{*global, ConfigStore(global->config_dir), **http, out, err};
      status = command->handler(ctx, *parsed);
    }
  }
  if (!status.ok()) PrintError(err, global->json, status);
  std::fflush(out);
  return ExitCodeFor(status);
}

}  // namespace datamesh::cli
