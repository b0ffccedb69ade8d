#include "services/gateway/http/request.h"

#include <strings.h>

namespace datamesh::gateway::http {
namespace {

std::optional<std::string_view> FindFirst(const HeaderList& list, std::string_view name) {
  for (const auto& [key, value] : list) {
    if (key == name) return value;
  }
  return std::nullopt;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<std::string_view> Request::path_param(std::string_view name) const {
  return FindFirst(path_params_, name);
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  return FindFirst(query_, name);
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers_) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

}  // namespace datamesh::gateway::http
