#include "tools/cli/cli_context.h"

#include <algorithm>

namespace datamesh::cli {

absl::StatusOr<ApiClient> Context::Authed() const {
  absl::StatusOr<std::optional<Credentials>> credentials = config.LoadCredentials();
  if (!credentials.ok()) return credentials.status();
  if (!credentials->has_value()) {
    return absl::UnauthenticatedError("not logged in: run 'datamesh login <username>' first");
  }
  return ApiClient(http, global.endpoint, (*credentials)->token);
}

absl::Status Context::PrintJson(const nlohmann::json& json) const {
  const std::string text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fprintf(out, "%s\n", text.c_str());
  return absl::OkStatus();
}

void Context::Print(const std::string& line) const { std::fprintf(out, "%s\n", line.c_str()); }

void Context::Warn(const std::string& line) const {
  std::fprintf(err, "datamesh: %s\n", line.c_str());
}

void PrintTable(FILE* out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(headers.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  };
  measure(headers);
  for (const auto& row : rows) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::fprintf(out, "%s\n", line.c_str());
  };
  print(headers);
  for (const auto& row : rows) print(row);
}

}  // namespace datamesh::cli
