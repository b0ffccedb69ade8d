#include "shared/server/service_main.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <cstdio>
#include <iostream>
#include <random>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/time_util.h"
#include "shared/bus/bus.h"
#include "shared/log/log.h"
#include "shared/metrics/metrics_endpoint.h"
#include "shared/pg/migrations.h"
#include "shared/pg/pool.h"
#include "shared/redis/redis_pool.h"
#include "shared/server/bus_metrics.h"
#include "shared/server/heartbeat.h"
#include "shared/server/malformed_request.h"
#include "shared/server/periodic_task.h"
#include "shared/server/request_id.h"
#include "shared/server/rpc_metrics.h"
#include "shared/server/signals.h"
#include "shared/status/status.h"

#ifndef DM_VERSION
#define DM_VERSION "0.0.0"
#endif

namespace datamesh::server {
namespace {

// 48 random bits as hex: unique enough to tell instances of one service apart in logs and
// heartbeats; not a secret.
std::string RandomInstanceId() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 16) ^ rd();
  return absl::StrCat(absl::Hex(v & 0xffffffffffffULL, absl::kZeroPad12));
}

}  // namespace

// Owns everything the bootstrap starts, in construction order; members are destroyed in
// reverse, so the parts go before the pools they use.
class ServiceRunner {
 public:
  explicit ServiceRunner(const ServiceDefinition& def) : def_(def) {}
  int Run(int argc, char** argv);

 private:
  absl::Status ParseFlags(int argc, char** argv);
  absl::Status ConnectDependencies();
  absl::Status StartServing();
  void Shutdown(int signal);
  template <typename Fn>
  auto RetryUntilStartupDeadline(const char* what, Fn connect) -> decltype(connect());

  const ServiceDefinition& def_;
  CommonOptions options_;
  bool help_ = false;
  std::string usage_;
  absl::Time started_at_ = absl::Now();
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<bus::Bus> bus_;
  std::unique_ptr<pg::Pool> pg_;
  std::unique_ptr<redis::RedisPool> redis_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<metrics::MetricsEndpoint> metrics_;
  std::unique_ptr<ServiceParts> parts_;
  std::unique_ptr<grpc::Server> server_;
  std::string grpc_address_;
  std::unique_ptr<PeriodicTask> readiness_task_;
  std::unique_ptr<HeartbeatPublisher> heartbeat_;
  std::unique_ptr<BusMetrics> bus_metrics_;
};

absl::Status ServiceRunner::ParseFlags(int argc, char** argv) {
  options_.grpc_addr = def_.default_grpc_addr;
  options_.metrics_addr = def_.default_metrics_addr;
  config::FlagSet flags(def_.name);
  RegisterCommonFlags(flags, options_, def_.needs_nats, def_.needs_pg, def_.needs_redis);
  if (def_.add_flags) def_.add_flags(flags);
  RETURN_IF_ERROR(flags.Parse(argc, argv));
  help_ = flags.help_requested();
  usage_ = flags.Usage();
  if (help_) return absl::OkStatus();

  log::Level level;
  if (!log::ParseLevel(options_.log_level, &level)) {
    return absl::InvalidArgumentError("--log-level must be debug, info, warn or error");
  }
  if (options_.instance_id.empty()) options_.instance_id = RandomInstanceId();
  log::Configure({def_.name, options_.instance_id, level, nullptr});
  // libprotobuf reports, e.g., a request string that is not UTF-8 as a plain stderr line; as a
  // JSON line it keeps every log line parseable.
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel severity, const char* file,
                                     int line, const std::string& message) {
    const std::string source = std::string(file) + ":" + std::to_string(line);
    if (severity >= google::protobuf::LOGLEVEL_ERROR) {
      log::Warn("protobuf: " + message, {{"source", source}});
    } else {
      log::Debug("protobuf: " + message, {{"source", source}});
    }
  });
  std::string config_line;
  for (const auto& [k, v] : flags.Values()) absl::StrAppend(&config_line, k, "=", v, " ");
  log::Info("starting", {{"version", DM_VERSION}, {"config", config_line}});
  return absl::OkStatus();
}

template <typename Fn>
auto ServiceRunner::RetryUntilStartupDeadline(const char* what, Fn connect) -> decltype(connect()) {
  absl::Time deadline = absl::Now() + options_.startup_timeout;
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    auto result = connect();
    if (result.ok() || absl::Now() + backoff > deadline) return result;
    log::Warn("dependency not reachable yet; retrying",
              {{"dependency", what}, {"error", std::string(result.status().message())}});
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

absl::Status ServiceRunner::ConnectDependencies() {
  if (def_.needs_nats) {
    bus::BusOptions o;
    o.url = options_.nats_url;
    o.client_name = absl::StrCat(def_.name, "/", options_.instance_id);
    ASSIGN_OR_RETURN(bus_, RetryUntilStartupDeadline("nats", [&] { return bus::Bus::Connect(o); }));
  }
  if (def_.needs_pg) {
    pg::PoolOptions o;
    o.url = options_.pg_url;
    o.size = static_cast<int>(options_.pg_pool_size);
    o.application_name = def_.name;
    o.metrics = registry_.get();
    ASSIGN_OR_RETURN(pg_,
                     RetryUntilStartupDeadline("postgres", [&] { return pg::Pool::Create(o); }));
    if (def_.migrations) {
      RETURN_IF_ERROR(pg::ApplyMigrations(*pg_, def_.pg_schema, def_.migrations()));
    }
  }
  if (def_.needs_redis) {
    redis::RedisOptions o;
    o.url = options_.redis_url;
    o.pool_size = static_cast<int>(options_.redis_pool_size);
    ASSIGN_OR_RETURN(
        redis_, RetryUntilStartupDeadline("redis", [&] { return redis::RedisPool::Create(o); }));
  }
  return absl::OkStatus();
}

absl::Status ServiceRunner::StartServing() {
  runtime_ =
      std::make_unique<Runtime>(def_.name, DM_VERSION, options_.instance_id, options_, registry_);
  runtime_->bus_ = bus_.get();
  runtime_->pg_ = pg_.get();
  runtime_->redis_ = redis_.get();
  Readiness& readiness = runtime_->readiness();
  if (bus_)
    readiness.Add("nats", [b = bus_.get()] {
      return b->IsConnected() ? absl::OkStatus() : absl::UnavailableError("NATS disconnected");
    });
  if (pg_) readiness.Add("postgres", [p = pg_.get()] { return p->Ping(); });
  if (redis_) readiness.Add("redis", [r = redis_.get()] { return r->Ping(); });

  ASSIGN_OR_RETURN(parts_, def_.build(*runtime_));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options_.grpc_addr, grpc::InsecureServerCredentials(), &port);
  for (grpc::Service* s : runtime_->grpc_services()) builder.RegisterService(s);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(MakeRequestIdInterceptor());
  interceptors.push_back(MakeMalformedRequestInterceptor());
  interceptors.push_back(MakeRpcMetricsInterceptor(*registry_, def_.name));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  if (def_.configure_grpc_server) def_.configure_grpc_server(builder);
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", options_.grpc_addr));
  }
  grpc_address_ = AdvertisedAddress(options_, options_.grpc_addr, port);
  {
    std::lock_guard<std::mutex> lock(runtime_->address_mu_);
    runtime_->grpc_address_ = grpc_address_;
  }
  // Not serving until the first readiness evaluation says so.
  server_->GetHealthCheckService()->SetServingStatus(false);

  ASSIGN_OR_RETURN(metrics_, metrics::MetricsEndpoint::Start(options_.metrics_addr, registry_));

  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  readiness_task_ =
      std::make_unique<PeriodicTask>(options_.readiness_interval, [&readiness, health] {
        bool was = readiness.ready();
        bool now = readiness.Evaluate();
        health->SetServingStatus(now);
        if (was != now) {
          std::string why;
          for (const auto& [name, status] : readiness.Results()) {
            if (!status.ok()) absl::StrAppend(&why, name, ": ", status.message(), "; ");
          }
          log::Info(now ? "ready" : "not ready", {{"reasons", why}});
        }
      });

  if (bus_) {
    events::v1::ServiceHeartbeat beat;
    beat.set_service(def_.name);
    beat.set_instance_id(options_.instance_id);
    beat.set_version(DM_VERSION);
    beat.set_grpc_address(grpc_address_);
    beat.set_metrics_address(AdvertisedAddress(options_, options_.metrics_addr, metrics_->port()));
    *beat.mutable_started_at() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(started_at_));
    heartbeat_ = std::make_unique<HeartbeatPublisher>(
        *bus_, runtime_->source(), beat, [&readiness] { return readiness.ready(); },
        options_.heartbeat_interval);
    // Every 15 s, the default scrape interval: consumer lag is one JetStream API call per durable.
    bus_metrics_ = std::make_unique<BusMetrics>(*bus_, *registry_, absl::Seconds(15));
  }
  log::Info("listening", {{"grpc", grpc_address_}, {"metrics_port", metrics_->port()}});
  return absl::OkStatus();
}

void ServiceRunner::Shutdown(int signal) {
  log::Info("shutting down", {{"signal", signal}});
  if (readiness_task_) readiness_task_->Stop();
  if (server_) server_->GetHealthCheckService()->SetServingStatus(false);
  if (heartbeat_) heartbeat_->Stop();
  if (bus_metrics_) bus_metrics_->Stop();
  if (server_) {
    // In-flight calls may finish until the deadline; then they are cancelled.
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoMilliseconds(options_.shutdown_grace));
    server_->Wait();
  }
  if (parts_) parts_->Stop();
  parts_.reset();
  server_.reset();
  metrics_.reset();
  if (bus_) {
    if (absl::Status s = bus_->Drain(absl::Seconds(5)); !s.ok()) {
      log::Warn("NATS drain incomplete", {{"error", std::string(s.message())}});
    }
  }
  bus_.reset();
  if (redis_) redis_->Close();
  if (pg_) pg_->Close();
  log::Info("stopped");
}

int ServiceRunner::Run(int argc, char** argv) {
  BlockTerminationSignals();
  if (absl::Status s = ParseFlags(argc, argv); !s.ok()) {
    std::cerr << def_.name << ": " << s.message() << "\n";
    return 2;
  }
  if (help_) {
    std::cout << usage_;
    return 0;
  }
  absl::Status s = ConnectDependencies();
  if (s.ok()) s = StartServing();
  if (!s.ok()) {
    log::Error("start-up failed", {{"error", std::string(s.message())}});
    Shutdown(0);
    return 1;
  }
  Shutdown(WaitForTerminationSignal());
  return 0;
}

int RunService(const ServiceDefinition& definition, int argc, char** argv) {
  ServiceRunner runner(definition);
  return runner.Run(argc, argv);
}

}  // namespace datamesh::server
