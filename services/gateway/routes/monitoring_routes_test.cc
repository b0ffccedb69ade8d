// The monitoring routes: every one is described in the OpenAPI document with its method, and
// the monitoring areas still to be built stay documented placeholders, and no placeholder
// shadows a built route.
#include "services/gateway/routes/monitoring_routes.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "services/gateway/api/openapi.h"
#include "services/gateway/gateway_service.h"
#include "shared/server/runtime.h"

namespace datamesh::gateway {
namespace {

google::protobuf::Struct Paths() {
  google::protobuf::Struct doc;
  const std::string_view json = OpenApiJson();
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(std::string(json.data(), json.size()), &doc)
          .ok());
  return doc.fields().at("paths").struct_value();
}

TEST(MonitoringRoutes, EveryRouteIsInTheOpenApiDocument) {
  ApiContext api;
  MonitoringClient client("127.0.0.1:1");  // connects lazily: never here
  http::Router router;
  AddMonitoringRoutes(router, api, client);
  const google::protobuf::Struct paths = Paths();
  ASSERT_EQ(router.routes().size(), 26u);
  for (const http::Router::Route& route : router.routes()) {
    auto path = paths.fields().find(route.pattern);
    ASSERT_NE(path, paths.fields().end()) << route.pattern << " is missing";
    EXPECT_TRUE(path->second.struct_value().fields().count(absl::AsciiStrToLower(route.method)) > 0)
        << route.method << " " << route.pattern;
  }
}

TEST(MonitoringRoutes, NoPlaceholderShadowsTheBuiltRoutes) {
  server::CommonOptions options;
  server::Runtime runtime("gateway", "test", "i1", options,
                          std::make_shared<prometheus::Registry>());
  Upstreams upstreams({}, absl::Seconds(60));
  ApiContext api;
  const http::Router router = MakeRouter(runtime, upstreams, &api);
  // Every monitoring area is built: a route registered here first would shadow
  // AddMonitoringRoutes' handler (analytics was the last 501 placeholder).
  for (const http::Router::Route& route : router.routes()) {
    EXPECT_NE(route.pattern.rfind("/api/v1/monitoring/", 0), 0u) << route.pattern;
  }
}

}  // namespace
}  // namespace datamesh::gateway
