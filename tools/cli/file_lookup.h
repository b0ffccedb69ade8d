// Finding the caller's files by name through the listing route (GET /files?prefix=), or by id
// through GET /files/{id}/metadata.
//
// Uses the borrowed ApiClient; single-threaded.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "tools/cli/api_client.h"

namespace datamesh::cli {

// Walks every page of GET /files?prefix=...; `visit` returns false to stop early.
[[nodiscard]] absl::Status ForEachFile(ApiClient& api, const std::string& prefix,
                                       const std::function<bool(const nlohmann::json&)>& visit);

// The File whose id is `id_or_name`, else the one file named exactly so. kNotFound when none;
// kInvalidArgument (listing the ids) when several files carry that name.
[[nodiscard]] absl::StatusOr<nlohmann::json> FindFile(ApiClient& api,
                                                      const std::string& id_or_name);

// Human one-line form of a File: id, size, encryption, name.
std::string DescribeFile(const nlohmann::json& file);

}  // namespace datamesh::cli
