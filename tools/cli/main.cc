// The `datamesh` command-line client. Everything but process setup lives in datamesh_cli_lib.
#include <curl/curl.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tools/cli/cli.h"

int main(int argc, char** argv) {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int code = datamesh::cli::RunCli(
      args,
      [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      },
      stdout, stderr);
  curl_global_cleanup();
  return code;
}
