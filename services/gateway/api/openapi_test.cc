// The embedded OpenAPI document: valid JSON of OpenAPI 3, and every route the gateway's router
// registers (probes, spec, auth, files, admin, and the WebSocket feed) is described in it with
// its method and the same parameter names.
#include "services/gateway/api/openapi.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "prometheus/registry.h"
#include "services/gateway/gateway_service.h"
#include "shared/server/runtime.h"

namespace datamesh::gateway {
namespace {

using google::protobuf::Struct;

Struct Document() {
  Struct doc;
  const std::string_view json = OpenApiJson();
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(std::string(json.data(), json.size()), &doc)
          .ok());
  return doc;
}

TEST(OpenApi, IsAnOpenApi3DocumentWithBearerAuthAndSchemas) {
  const Struct doc = Document();
  EXPECT_TRUE(absl::StartsWith(doc.fields().at("openapi").string_value(), "3.0"));
  const Struct& components = doc.fields().at("components").struct_value();
  const Struct& schemes = components.fields().at("securitySchemes").struct_value();
  EXPECT_EQ(schemes.fields().at("bearer").struct_value().fields().at("scheme").string_value(),
            "bearer");
  const Struct& schemas = components.fields().at("schemas").struct_value();
  for (const char* name : {"User", "File", "Error", "Usage", "AuditRecord", "MaintenanceJob"}) {
    EXPECT_TRUE(schemas.fields().count(name) > 0) << name;
  }
}

TEST(OpenApi, DescribesEveryRegisteredRoute) {
  server::CommonOptions options;
  server::Runtime runtime("gateway", "test", "i1", options,
                          std::make_shared<prometheus::Registry>());
  Upstreams upstreams({}, absl::Seconds(60));
  ApiContext api;
  http::Router router = MakeRouter(runtime, upstreams, &api);
  // Registered in Build() next to the router.
  router.HandleWebSocket("/api/v1/ws", nullptr);

  const Struct doc = Document();
  const Struct& paths = doc.fields().at("paths").struct_value();
  int checked = 0;
  for (const http::Router::Route& route : router.routes()) {
    // The 501 placeholders of the areas not built yet are not APIs of their own.
    if (route.pattern == "/api/v1/monitoring/{rest*}" ||
        route.pattern == "/api/v1/governance/{rest*}") {
      continue;
    }
    auto path = paths.fields().find(route.pattern);
    ASSERT_NE(path, paths.fields().end()) << route.pattern << " is missing";
    const std::string method = absl::AsciiStrToLower(route.method);
    EXPECT_TRUE(path->second.struct_value().fields().count(method) > 0)
        << route.method << " " << route.pattern << " is missing";
    ++checked;
  }
  EXPECT_GE(checked, 20);
  // The document also covers API.md's routes that the gateway does not serve yet.
  for (const char* p : {"/api/v1/monitoring/health", "/api/v1/governance/proposals/{id}/vote",
                        "/api/v1/admin/maintenance/{jobId}"}) {
    EXPECT_TRUE(paths.fields().count(p) > 0) << p;
  }
}

}  // namespace
}  // namespace datamesh::gateway
