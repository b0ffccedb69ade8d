// The bootstrap every DataMesh binary runs. A service's main.cc fills a ServiceDefinition and
// returns RunService(definition, argc, argv). RunService then:
//
//   1. parses flags (common ones plus the service's own) with DM_* env fallbacks; configures
//      JSON logging; blocks SIGTERM/SIGINT so they are received synchronously;
//   2. connects what the service needs — NATS, PostgreSQL (then applies its migrations under
//      an advisory lock), Redis — retrying until --startup-timeout;
//   3. calls the definition's build function, which constructs the service's parts and
//      registers its gRPC services and readiness checks on the Runtime;
//   4. starts the gRPC server (with grpc.health.v1, reflection and per-RPC metrics), the
//      Prometheus endpoint, the readiness loop (SERVING only while every check passes) and the
//      dm.v1.service.heartbeat publisher;
//   5. waits for SIGTERM/SIGINT, then: health NOT_SERVING, stop heartbeats, shut the gRPC server
//      down letting in-flight calls finish until --shutdown-grace, stop the parts, drain NATS,
//      close the pools; returns 0.
//
// Misconfiguration or unreachable dependencies at start return 1 with a clear log line.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/config/flags.h"
#include "shared/pg/migrations.h"
#include "shared/server/runtime.h"

namespace grpc {
class ServerBuilder;
}

namespace datamesh::server {

// What a service builds: owns its gRPC service implementations, workers and clients.
class ServiceParts {
 public:
  virtual ~ServiceParts() = default;
  // Called once after the gRPC server has shut down and before dependencies close: stop
  // background work (consumers, workers, listeners). Destruction follows.
  virtual void Stop() {}
};

struct ServiceDefinition {
  std::string name;  // "auth", "chunk-store", ...
  std::string default_grpc_addr;
  std::string default_metrics_addr;
  bool needs_nats = true;
  bool needs_pg = false;
  bool needs_redis = false;
  // PostgreSQL schema owned by the service and its migrations (when needs_pg).
  std::string pg_schema;
  std::function<const std::vector<pg::Migration>&()> migrations;
  // Registers the service's own flags (targets must outlive RunService).
  std::function<void(config::FlagSet&)> add_flags;
  // Builds the service after dependencies are up. An error stops start-up (exit 1).
  std::function<absl::StatusOr<std::unique_ptr<ServiceParts>>(Runtime&)> build;
  // Optional: extra gRPC server settings (channel arguments such as flow-control windows),
  // applied after the common ones and before the server starts.
  std::function<void(grpc::ServerBuilder&)> configure_grpc_server;
};

int RunService(const ServiceDefinition& definition, int argc, char** argv);

// A build function for a service whose only part is one gRPC service implementation with a
// default constructor.
template <typename GrpcServiceImpl>
absl::StatusOr<std::unique_ptr<ServiceParts>> BuildSingleGrpcService(Runtime& runtime) {
  struct Parts : ServiceParts {
    GrpcServiceImpl service;
  };
  auto parts = std::make_unique<Parts>();
  runtime.AddGrpcService(&parts->service);
  return parts;
}

}  // namespace datamesh::server
