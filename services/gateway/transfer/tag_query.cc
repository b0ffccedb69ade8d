#include "services/gateway/transfer/tag_query.h"

#include "absl/strings/str_cat.h"

namespace datamesh::gateway {

absl::StatusOr<std::map<std::string, std::string>> ParseTagQuery(std::string_view text) {
  std::map<std::string, std::string> tags;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError("tags must be key:value pairs separated by commas");
    }
    std::string key(item.substr(0, colon));
    if (tags.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat("tag given twice: ", key));
    }
    tags.emplace(std::move(key), std::string(item.substr(colon + 1)));
  }
  return tags;
}

}  // namespace datamesh::gateway
