// dm-restore-bench: how long DataMesh takes to restore full redundancy once a storage node
// returns. On a running devstack (six chunk-stores): one chunk-store is SIGKILLed and the dht
// declares it down; a file is uploaded (default 1 GiB; placement spreads each segment's six
// shards over the five nodes up, one node holding two, so the file is "degraded"); the store
// is started again, and the time until the file is "healthy" (repair's spread pass has moved
// every doubled-up shard onto a node of its own) is measured. The file is then downloaded and
// every byte checked. Prints markdown table rows `| name | figure |`.
//   dm-restore-bench --stack-dir D --bin B [--bytes N] [--store I]
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "shared/config/flags.h"
#include "tools/bench/bench_report.h"
#include "tools/bench/file_client.h"

namespace datamesh::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string stack_dir;
  std::string bin;
  int64_t bytes = int64_t{1} << 30;
  int64_t store = 1;
  int64_t timeout_seconds = 900;
};

std::string EnvValue(const std::string& dir, const std::string& key) {
  std::ifstream env(dir + "/env");
  std::string line, value;
  while (std::getline(env, line)) {
    if (line.rfind(key + "=", 0) == 0) value = line.substr(key.size() + 1);
  }
  return value;
}

// Runs the devstack script with `args`: DM_DEVSTACK names it (tools/bench/run.sh sets it),
// else tools/devstack/devstack under the current folder.
absl::Status Devstack(const std::string& args) {
  const char* script = std::getenv("DM_DEVSTACK");
  const std::string command =
      absl::StrCat("'", script ? script : "tools/devstack/devstack", "' ", args, " > /dev/null");
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("devstack failed: ", command));
  }
  return absl::OkStatus();
}

// Node ids the dht lists in `state`.
int CountNodes(dht::v1::DhtService::Stub& dht, dht::v1::NodeState state) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  dht::v1::ListNodesRequest req;
  req.set_state(state);
  req.mutable_page()->set_limit(1000);
  dht::v1::ListNodesResponse resp;
  if (!dht.ListNodes(&ctx, req, &resp).ok()) return -1;
  return resp.nodes_size();
}

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

absl::Status Run(const Options& o) {
  const std::string files_addr = EnvValue(o.stack_dir, "DM_FILE_INGEST_GRPC_ADDR");
  const std::string dht_addr = EnvValue(o.stack_dir, "DM_DHT_GRPC_ADDR");
  if (files_addr.empty() || dht_addr.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("no stack addresses in ", o.stack_dir, "/env"));
  }
  absl::StatusOr<Identity> identity = NewIdentity();
  if (!identity.ok()) return identity.status();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(8 << 20);
  Content content(std::hash<std::string>{}(identity->owner_id));
  FileClient client(grpc::CreateCustomChannel(files_addr, grpc::InsecureChannelCredentials(), args),
                    content, *std::move(identity));
  auto dht = dht::v1::DhtService::NewStub(
      grpc::CreateChannel(dht_addr, grpc::InsecureChannelCredentials()));

  const std::string store = absl::StrCat("chunk-store-", o.store);
  const std::string where = absl::StrCat("--dir '", o.stack_dir, "'");
  const int down_before = CountNodes(*dht, dht::v1::NODE_STATE_DOWN);
  if (absl::Status s = Devstack(absl::StrCat("kill-instance ", where, " ", store)); !s.ok()) return s;
  auto start = Clock::now();
  while (CountNodes(*dht, dht::v1::NODE_STATE_DOWN) <= down_before) {
    if (Since(start) > 120) return absl::DeadlineExceededError("the dht never declared it down");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  Row("dht declares a killed chunk-store down after", Fixed(Since(start), "s"));

  const uint64_t size = static_cast<uint64_t>(o.bytes);
  start = Clock::now();
  absl::StatusOr<std::string> id = client.Upload(0, size);
  if (!id.ok()) return id.status();
  Row(absl::StrCat("upload, one ", SizeText(size), " stream, 5 of 6 nodes up"),
      Fixed(static_cast<double>(size) / 1e6 / Since(start), "MB/s"));
  absl::StatusOr<std::string> state = client.HealthState(*id);
  if (!state.ok()) return state.status();
  Row("its health right after the upload", *state);

  if (absl::Status s = Devstack(absl::StrCat("start-instance ", where, " --bin '", o.bin, "' ",
                                             store));
      !s.ok()) {
    return s;
  }
  start = Clock::now();
  while (true) {
    state = client.HealthState(*id);
    if (state.ok() && *state == "healthy") break;
    if (Since(start) > static_cast<double>(o.timeout_seconds)) {
      return absl::DeadlineExceededError(
          absl::StrCat("still ", state.ok() ? *state : state.status().ToString(), " after ",
                       o.timeout_seconds, " s"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  Row(absl::StrCat("redundancy restored after the node returned (", SizeText(size), " stored)"),
      Fixed(Since(start), "s"));
  std::string scratch;
  start = Clock::now();
  if (absl::Status s = client.Download(*id, 0, size, scratch); !s.ok()) return s;
  Row(absl::StrCat("download afterwards, every byte checked"),
      Fixed(static_cast<double>(size) / 1e6 / Since(start), "MB/s"));
  return client.Delete(*id);
}

}  // namespace
}  // namespace datamesh::bench

int main(int argc, char** argv) {
  datamesh::bench::Options o;
  datamesh::config::FlagSet flags("dm-restore-bench");
  flags.AddString("stack-dir", &o.stack_dir, "a running devstack's folder (six chunk-stores)");
  flags.AddString("bin", &o.bin, "the folder of the service binaries (to restart the store)");
  flags.AddInt("bytes", &o.bytes, "size of the file stored while the node is down");
  flags.AddInt("store", &o.store, "which chunk-store to take down (1..6)");
  flags.AddInt("timeout-seconds", &o.timeout_seconds, "give up waiting for \"healthy\" after this");
  absl::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok() || o.stack_dir.empty() || o.bin.empty() || o.bytes <= 0 || o.store < 1) {
    std::cerr << (parsed.ok() ? "need --stack-dir, --bin, --bytes > 0 and --store >= 1"
                              : std::string(parsed.message()))
              << "\n"
              << flags.Usage();
    return 2;
  }
  if (absl::Status s = datamesh::bench::Run(o); !s.ok()) {
    std::cerr << "dm-restore-bench: " << s << "\n";
    return 1;
  }
  return 0;
}
