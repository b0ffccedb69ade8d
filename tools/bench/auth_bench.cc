// dm-auth-bench: how long the gateway waits on auth for each request it authenticates.
//   dm-auth-bench --addr host:port [--calls N] [--threads T]
// Registers a throwaway user, logs in, then calls ValidateToken with the session token over
// gRPC: the first call (auth's token cache is cold: Redis lookup and unsealing the private
// key), then N calls on one connection one at a time (cache hits: the figure the gateway sees
// on a miss of its own short cache), then N calls spread over T threads (calls/s). Every answer
// is checked to name the user; a wrong one fails the run (exit 1). Results are markdown rows.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "datamesh/auth/v1/auth.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "shared/config/flags.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/status/status.h"
#include "tools/bench/bench_report.h"

namespace datamesh::bench {
namespace {

namespace authv1 = datamesh::auth::v1;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string addr;
  int64_t calls = 20000;
  int64_t threads = 4;
};

absl::Status FromGrpc(const grpc::Status& s, const char* what) {
  if (s.ok()) return absl::OkStatus();
  return absl::UnknownError(absl::StrCat(what, ": ", s.error_message()));
}

// Registers and logs in a fresh user; returns (user id, session token).
absl::StatusOr<std::pair<std::string, std::string>> NewSession(authv1::AuthService::Stub& stub) {
  ASSIGN_OR_RETURN(std::string suffix, crypto::RandomBytes(6));
  ASSIGN_OR_RETURN(std::string secret, crypto::RandomBytes(16));
  const std::string name = "bench_" + crypto::HexEncode(suffix);
  const std::string password = crypto::HexEncode(secret);
  authv1::RegisterRequest reg;
  reg.set_username(name);
  reg.set_email(name + "@bench.invalid");
  reg.set_password(password);
  authv1::RegisterResponse registered;
  grpc::ClientContext c1;
  if (auto s = FromGrpc(stub.Register(&c1, reg, &registered), "register"); !s.ok()) return s;
  authv1::LoginRequest login;
  login.set_username(name);
  login.set_password(password);
  authv1::LoginResponse session;
  grpc::ClientContext c2;
  if (auto s = FromGrpc(stub.Login(&c2, login, &session), "login"); !s.ok()) return s;
  return std::make_pair(session.user().id(), session.token());
}

// One ValidateToken call; returns its latency in milliseconds.
absl::StatusOr<double> Validate(authv1::AuthService::Stub& stub, const std::string& token,
                                const std::string& user_id) {
  authv1::ValidateTokenRequest req;
  req.set_token(token);
  authv1::ValidateTokenResponse resp;
  grpc::ClientContext ctx;
  const auto start = Clock::now();
  grpc::Status s = stub.ValidateToken(&ctx, req, &resp);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (auto st = FromGrpc(s, "validate"); !st.ok()) return st;
  if (resp.user_id() != user_id) return absl::DataLossError("ValidateToken named another user");
  return ms;
}

absl::Status Run(const Options& o) {
  auto stub = authv1::AuthService::NewStub(
      grpc::CreateChannel(o.addr, grpc::InsecureChannelCredentials()));
  auto session = NewSession(*stub);
  if (!session.ok()) return session.status();
  const auto& [user_id, token] = *session;

  auto first = Validate(*stub, token, user_id);
  if (!first.ok()) return first.status();
  Row("auth ValidateToken, first call (cold cache)", Fixed(*first, "ms", 2));

  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(o.calls));
  for (int64_t i = 0; i < o.calls; ++i) {
    auto one = Validate(*stub, token, user_id);
    if (!one.ok()) return one.status();
    ms.push_back(*one);
  }
  Row("auth ValidateToken cached, p50 / p99 (gRPC)",
      Pair(Percentile(ms, 0.5), Percentile(ms, 0.99), 3));

  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int64_t t = 0; t < o.threads; ++t) {
    workers.emplace_back([&] {
      while (next.fetch_add(1) < o.calls && !failed) {
        if (!Validate(*stub, token, user_id).ok()) failed = true;
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) return absl::UnknownError("a concurrent ValidateToken call failed");
  Row(absl::StrCat("auth ValidateToken cached, ", o.threads, " threads"),
      Fixed(static_cast<double>(o.calls) / seconds, "calls/s", 0));
  return absl::OkStatus();
}

}  // namespace
}  // namespace datamesh::bench

int main(int argc, char** argv) {
  datamesh::bench::Options o;
  datamesh::config::FlagSet flags("dm-auth-bench");
  flags.AddString("addr", &o.addr, "auth gRPC address host:port");
  flags.AddInt("calls", &o.calls, "ValidateToken calls per measurement");
  flags.AddInt("threads", &o.threads, "threads for the throughput measurement");
  absl::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok() || o.addr.empty() || o.calls < 1 || o.threads < 1) {
    std::cerr << (parsed.ok() ? "need --addr, --calls >= 1 and --threads >= 1"
                              : std::string(parsed.message()))
              << "\n"
              << flags.Usage();
    return 2;
  }
  if (absl::Status s = datamesh::bench::Run(o); !s.ok()) {
    std::cerr << "dm-auth-bench: " << s << "\n";
    return 1;
  }
  return 0;
}
