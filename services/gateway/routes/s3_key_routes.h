// The /api/v1/auth/s3-keys routes of docs/API.md: the caller's S3 access keys, served by
// AuthService (CreateS3Key, ListS3Keys, RevokeS3Key). The secret access key appears once, in
// the creation answer.
#pragma once

#include "services/gateway/http/router.h"
#include "services/gateway/routes/api_context.h"

namespace datamesh::gateway {

// `ctx` must outlive the router.
void AddS3KeyRoutes(http::Router& router, const ApiContext& ctx);

}  // namespace datamesh::gateway
