// Fuzz target: an upload's ?tags=k:v,... (services/gateway/transfer/tag_query.h).
//
// Input (text): the decoded value of the tags parameter, e.g. "project:x,kind:a:b".
//
// Invariants: every key is non-empty and holds no ':' or ','; no value holds ','; written back
// as "k:v,..." the tags parse to the same map; the only error is INVALID_ARGUMENT.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "services/gateway/transfer/tag_query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = datamesh::fuzz::AsText(data, size);
  absl::StatusOr<std::map<std::string, std::string>> tags = datamesh::gateway::ParseTagQuery(text);
  if (!tags.ok()) {
    FUZZ_CHECK(tags.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  std::string again;
  for (const auto& [key, value] : *tags) {
    FUZZ_CHECK(!key.empty());
    FUZZ_CHECK(key.find(':') == std::string::npos && key.find(',') == std::string::npos);
    FUZZ_CHECK(value.find(',') == std::string::npos);
    again += (again.empty() ? "" : ",") + key + ":" + value;
  }
  absl::StatusOr<std::map<std::string, std::string>> reparsed =
      datamesh::gateway::ParseTagQuery(again);
  FUZZ_CHECK(reparsed.ok() && *reparsed == *tags);
  return 0;
}
