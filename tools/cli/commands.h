// The CLI's commands: name, one-line summary, help text, accepted options and handler. The
// handlers live in commands_*.cc by area (account, files, transfer, operations, governance,
// wallet).
//
// Handlers return a status; RunCli prints it and maps it to the exit code (exit_codes.h).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/cli/args.h"
#include "tools/cli/cli_context.h"

namespace datamesh::cli {

using CommandHandler = absl::Status (*)(Context& ctx, const ParsedArgs& args);

struct Command {
  std::string name;
  std::string summary;  // one line for the command list
  std::string usage;    // the command's --help text (options and arguments)
  CommandSpec spec;
  CommandHandler handler;
};

// Every command, in the order the help lists them.
const std::vector<Command>& AllCommands();

std::vector<Command> AccountCommands();  // register login logout whoami usage keys
std::vector<Command> S3KeyCommands();    // s3-keys
std::vector<Command> FileCommands();     // ls rm stat mv
Command PutCommand();
Command GetCommand();
std::vector<Command> OperationCommands();   // health alerts
std::vector<Command> MetricsCommands();     // metrics analytics
std::vector<Command> GovernanceCommands();  // proposals operators
std::vector<Command> WalletCommands();      // wallet stake parameters
std::vector<Command> InvoiceCommands();     // invoices paystubs

}  // namespace datamesh::cli
