// Tags of an upload from the `?tags=k:v,k2:v2` query parameter (already percent-decoded).
// A value may contain ':' (the key ends at the first one). Empty items are skipped. A missing
// ':' or empty key, or a key given twice, is INVALID_ARGUMENT. The limits on count and lengths
// are file-ingest's to enforce (FileService.Upload).
//
// Thread safety: pure function.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace datamesh::gateway {

absl::StatusOr<std::map<std::string, std::string>> ParseTagQuery(std::string_view text);

}  // namespace datamesh::gateway
