// The /api/v1/files routes of docs/API.md, served by FileService (uploads reserve with
// QuotaService first). Every call names the caller as owner: another user's file answers 404
// exactly as a missing one, because file-ingest answers NOT_FOUND for both.
#pragma once

#include "services/gateway/http/router.h"
#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway {

// `ctx` must outlive the router.
void AddFileRoutes(http::Router& router, const ApiContext& ctx);

// `limit` query parameter of a list: default 100, 1..1000, else INVALID_ARGUMENT.
absl::StatusOr<uint32_t> ParseLimit(std::optional<std::string_view> text);

}  // namespace datamesh::gateway
