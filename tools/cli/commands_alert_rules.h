// `datamesh alerts rules ...`: the admin-managed alert rules (/monitoring/alert-rules).
#pragma once

#include "absl/status/status.h"
#include "tools/cli/api_client.h"
#include "tools/cli/args.h"
#include "tools/cli/cli_context.h"

namespace datamesh::cli {

// `alerts rules [list]`, `alerts rules add -f rule.yml`, `alerts rules rm <id>`; the arguments
// after `alerts`.
absl::Status AlertRules(Context& ctx, ApiClient& api, const ParsedArgs& args);

}  // namespace datamesh::cli
