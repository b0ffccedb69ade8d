// The OpenAPI 3 document of the whole REST API (services/gateway/api/openapi.json, embedded in the
// binary at build time by embed_openapi.cmake), served at GET /api/v1/openapi.json. Keep it in
// step with docs/API.md: openapi_test checks that every route the gateway registers is in it.
#pragma once

#include <string_view>

namespace datamesh::gateway {

// The document's JSON text; static storage.
std::string_view OpenApiJson();

}  // namespace datamesh::gateway
