// The whole local stack, as `make run` starts it: real NATS (JetStream), PostgreSQL, Redis and
// all eight service binaries (six chunk-stores). Checks what every service promises at its
// edges: SERVING on grpc.health.v1, a heartbeat on NATS, /metrics, honest UNIMPLEMENTED answers,
// readiness that follows its dependencies, and a prompt, clean exit on SIGTERM.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "datamesh/monitoring/v1/monitoring.grpc.pb.h"
#include "shared/bus/bus.h"
#include "shared/server/health_client.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"

namespace datamesh {
namespace {

using ::datamesh::server::HealthClient;
using ::datamesh::testing::RunCommand;
using ::datamesh::testing::TestStack;

constexpr int kChunkStores = 6;
const std::vector<std::string> kServices = {"auth",       "quota",      "file-ingest", "dht",
                                            "monitoring", "governance", "chunk-store", "gateway"};

std::vector<std::string> Instances() {
  std::vector<std::string> out = {"auth",       "quota",      "file-ingest", "dht",
                                  "monitoring", "governance", "gateway"};
  for (int i = 1; i <= kChunkStores; ++i) out.push_back("chunk-store-" + std::to_string(i));
  return out;
}

std::string EnvKey(const std::string& instance, const std::string& suffix) {
  return "DM_" + absl::AsciiStrToUpper(absl::StrReplaceAll(instance, {{"-", "_"}})) + "_" + suffix;
}

class StackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TestStack::Options o;
    o.services = true;
    o.chunk_stores = kChunkStores;
    auto stack = TestStack::Start(o);
    ASSERT_OK(stack);
    stack_ = stack->release();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  std::string GrpcAddr(const std::string& instance) {
    return stack_->Env(EnvKey(instance, "GRPC_ADDR"));
  }
  static TestStack* stack_;
};
TestStack* StackTest::stack_ = nullptr;

TEST_F(StackTest, EveryServiceInstanceReportsServing) {
  for (const std::string& instance : Instances()) {
    std::string addr = GrpcAddr(instance);
    ASSERT_FALSE(addr.empty()) << instance;
    EXPECT_OK(HealthClient(addr).Check("", absl::Seconds(5))) << instance << " at " << addr;
  }
}

TEST_F(StackTest, AHeartbeatArrivesFromEveryService) {
  bus::BusOptions options;
  options.url = stack_->nats_url();
  options.client_name = "stack-test";
  auto bus = bus::Bus::Connect(options);
  ASSERT_OK(bus);
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::string> services;
  std::set<std::string> instances;
  auto sub = (*bus)->SubscribeEvents(
      bus::SubjectFor("service.heartbeat"), "", [&](const events::v1::Event& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (!e.has_service_heartbeat() || !e.service_heartbeat().serving()) return;
        services.insert(e.service_heartbeat().service());
        instances.insert(e.service_heartbeat().instance_id());
        EXPECT_FALSE(e.id().empty());
        EXPECT_FALSE(e.service_heartbeat().grpc_address().empty());
        cv.notify_all();
      });
  ASSERT_OK(sub);
  std::unique_lock<std::mutex> lock(mu);
  // The stack beats every 2 s; a generous bound only decides when to give up waiting.
  bool all = cv.wait_for(lock, std::chrono::seconds(30), [&] {
    return services.size() == kServices.size() && instances.size() == Instances().size();
  });
  EXPECT_TRUE(all) << "services heard: " << services.size() << ", instances: " << instances.size();
  for (const std::string& s : kServices) EXPECT_EQ(services.count(s), 1u) << s;
}

TEST_F(StackTest, GatewayAnswersHealthzAndReadyz) {
  std::string url = stack_->Env("DM_GATEWAY_URL");
  auto healthz = RunCommand("curl -s -o /dev/null -w '%{http_code}' " + url + "/healthz");
  ASSERT_OK(healthz);
  EXPECT_EQ(*healthz, "200");
  auto readyz = RunCommand("curl -s -i " + url + "/readyz");
  ASSERT_OK(readyz);
  EXPECT_NE(readyz->find("200"), std::string::npos) << *readyz;
  EXPECT_NE(absl::AsciiStrToLower(*readyz).find("x-request-id"), std::string::npos) << *readyz;
}

TEST_F(StackTest, RpcOutcomesAreCountedByCode) {
  // An unknown rule id: a refused call is counted under its code like any other.
  auto channel = grpc::CreateChannel(GrpcAddr("monitoring"), grpc::InsecureChannelCredentials());
  auto stub = monitoring::v1::MonitoringService::NewStub(channel);
  grpc::ClientContext ctx;
  monitoring::v1::GetAlertRuleRequest request;
  request.set_rule_id("no-such-rule");
  monitoring::v1::GetAlertRuleResponse response;
  grpc::Status s = stub->GetAlertRule(&ctx, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();

  auto metrics = RunCommand("curl -sf http://" +
                            stack_->Env(EnvKey("monitoring", "METRICS_ADDR")) + "/metrics");
  ASSERT_OK(metrics);
  EXPECT_NE(metrics->find("datamesh_grpc_server_handled_total{code=\"NOT_FOUND\""),
            std::string::npos);
  EXPECT_NE(metrics->find("datamesh_grpc_server_handling_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics->find("datamesh_dependency_up{dependency=\"postgres\""), std::string::npos);
}

TEST_F(StackTest, ReadinessFollowsADependency) {
  HealthClient auth(GrpcAddr("auth"));
  HealthClient dht(GrpcAddr("dht"));
  ASSERT_OK(auth.Check("", absl::Seconds(5)));
  ASSERT_OK(stack_->Devstack("dep-stop redis"));
  // auth needs Redis; dht does not.
  absl::Status not_ready;
  for (int i = 0; i < 200 && not_ready.ok(); ++i) {
    not_ready = auth.Check("", absl::Seconds(1));
    if (not_ready.ok()) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_FALSE(not_ready.ok()) << "auth still SERVING without Redis";
  EXPECT_OK(dht.Check("", absl::Seconds(5)));
  ASSERT_OK(stack_->Devstack("dep-start redis"));
  EXPECT_OK(auth.WaitUntilServing("", absl::Seconds(30)));
}

// Runs last (gtest keeps declaration order): it ends the services.
TEST_F(StackTest, SigtermMakesEveryServiceExitZero) {
  std::map<std::string, int> pids;
  for (const std::string& instance : Instances()) {
    std::ifstream f(stack_->dir() + "/pids/" + instance + ".pid");
    int pid = 0;
    ASSERT_TRUE(f >> pid) << instance;
    pids[instance] = pid;
  }
  for (const auto& [instance, pid] : pids) ASSERT_EQ(kill(pid, SIGTERM), 0) << instance;
  for (const auto& [instance, pid] : pids) {
    std::string exit_file = stack_->dir() + "/exit/" + instance;
    // Graceful shutdown is bounded by --shutdown-grace (10 s) plus the drain; 30 s means hung.
    std::string code;
    for (int i = 0; i < 600 && code.empty(); ++i) {
      std::ifstream f(exit_file);
      if (!(f >> code)) absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_EQ(code, "0") << instance << " (see " << stack_->dir() << "/logs/" << instance
                         << ".log)";
  }
}

}  // namespace
}  // namespace datamesh
