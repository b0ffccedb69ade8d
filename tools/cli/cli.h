// The `datamesh` command-line client of the REST API (docs/API.md): the entry point that parses
// the command line, runs one command and turns its outcome into an exit code (exit_codes.h).
//
// RunCli is what main() calls; tests call it in-process too. Errors are printed on `err` as
// "datamesh: error: ..." (or as {"error":{...}} with --json). Not thread-safe (one command per
// process).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "tools/cli/args.h"

namespace datamesh::cli {

// Runs the command in `args` (argv without the program name). Returns the exit code.
int RunCli(const std::vector<std::string>& args, const EnvLookup& env, FILE* out, FILE* err);

// The top-level help: commands, global options, exit codes.
std::string MainHelp();

}  // namespace datamesh::cli
