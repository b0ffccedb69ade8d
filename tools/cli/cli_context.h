// What every command gets: the global options, the local config folder, the HTTP client and
// the output streams; plus helpers for authenticated API access and printing.
//
// Owned by RunCli for one invocation; commands borrow it. Single-threaded.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/cli/api_client.h"
#include "tools/cli/args.h"
#include "tools/cli/config_store.h"
#include "tools/cli/http_client.h"

namespace datamesh::cli {

struct Context {
  GlobalOptions global;
  ConfigStore config;
  HttpClient& http;
  FILE* out = stdout;
  FILE* err = stderr;

  // An API client without a token (register, login).
  ApiClient Anonymous() const { return ApiClient(http, global.endpoint, ""); }
  // An API client with the saved token; kUnauthenticated when not logged in.
  [[nodiscard]] absl::StatusOr<ApiClient> Authed() const;

  // Machine output: one JSON document per line on `out`. Always OK (lets handlers
  // `return ctx.PrintJson(...)`).
  absl::Status PrintJson(const nlohmann::json& json) const;
  // Human output: a line on `out`.
  void Print(const std::string& line) const;
  // A warning on `err` (also in --json mode: stdout stays machine-readable).
  void Warn(const std::string& line) const;
};

// Prints rows under headers with columns padded to their widest cell; the last column is not
// padded (it usually holds names).
void PrintTable(FILE* out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);

}  // namespace datamesh::cli
