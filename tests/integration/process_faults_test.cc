// Processes killed in the middle of transfers and dependencies restarted under load, on the whole
// local stack (real NATS, PostgreSQL, Redis, every service, six chunk-stores, RS 4+2), driven
// through the gateway's REST API with curl as users meet it:
//   1. a chunk-store holding shards of a 160 MiB file SIGKILLed while its download streams;
//   2. file-ingest SIGKILLed while that download streams, then started again;
//   3. file-ingest SIGKILLed while a large upload streams in, then started again;
//   4-6. NATS, PostgreSQL and Redis each stopped for a few seconds and started again while client
//        threads upload, download and delete.
// Each test ends by checking its user: every acknowledged upload that was not deleted is listed
// (and nothing else is) and downloads byte-identical, and quota usage settles at their sizes.
// The last test runs GC and checks that the chunk-stores hold exactly the shards the manifests
// reference, then checks every user again.
//
// The tests share one stack and run in declaration order. Users are on the enterprise tier (no
// API-call or storage limit in the way) and call with API keys, which outlive a Redis restart
// (sessions live only in Redis).
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "datamesh/quota/v1/quota.grpc.pb.h"
#include "shared/server/health_client.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"
#include "tests/e2e/e2e_util.h"
#include "tests/integration/pattern_content.h"
#include "tests/integration/rest_client.h"
#include "tests/integration/shard_census.h"
#include "tests/integration/transfer_load.h"

namespace datamesh {
namespace {

using ::datamesh::integration::DownloadOutcome;
using ::datamesh::integration::PatternSha256Hex;
using ::datamesh::integration::RestClient;
using ::datamesh::integration::StoredFile;
using ::datamesh::integration::TransferLoad;
using ::datamesh::integration::UploadOutcome;
using ::datamesh::testing::TestStack;
using ::datamesh::testing::WaitFor;

constexpr int kChunkStores = 6;
constexpr uint64_t kMiB = 1 << 20;
// A download is cut once kKillAfter bytes arrived. By the time the process is dead (devstack
// takes a moment) up to about 60 MiB more may have left it, in flight or in the services' and
// sockets' buffers: the file is large enough that the rest cannot have.
constexpr uint64_t kBigSize = 160 * kMiB;
constexpr uint64_t kBigSeed = 160;
constexpr uint64_t kKillAfter = 4 * kMiB;
constexpr int kDataShards = 4;
constexpr int kLoadThreads = 3;
constexpr absl::Duration kOutage = absl::Seconds(5);

// A download's progress callback that SIGKILLs an instance once `threshold` body bytes arrived.
// The kill runs on a thread of its own, so the client keeps draining the stream meanwhile (the
// services' buffers do not fill up while it waits) and the process dies while bytes still flow.
class KillMidStream {
 public:
  KillMidStream(uint64_t threshold, std::function<absl::Status()> kill)
      : threshold_(threshold), kill_(std::move(kill)) {}
  ~KillMidStream() { (void)Join(); }

  void operator()(uint64_t received) {
    if (!started_ && received >= threshold_) {
      started_ = true;
      killer_ = std::thread([this] {
        status_ = kill_();
        dead_ = true;
      });
    }
    if (dead_ && !received_when_dead_) received_when_dead_ = received;
  }
  // Waits for the kill; its result.
  absl::Status Join() {
    if (killer_.joinable()) killer_.join();
    return started_ ? status_ : absl::FailedPreconditionError("the stream never got that far");
  }
  // Body bytes that had arrived when the stream was first seen after the kill; unset when the
  // stream ended first.
  std::optional<uint64_t> received_when_dead() const { return received_when_dead_; }

 private:
  const uint64_t threshold_;
  const std::function<absl::Status()> kill_;
  bool started_ = false;
  std::thread killer_;
  absl::Status status_;
  std::atomic<bool> dead_{false};
  std::optional<uint64_t> received_when_dead_;
};

struct TestUser {
  std::string name;
  std::string id;
  std::string key;                          // API key
  std::map<std::string, StoredFile> files;  // acknowledged and not deleted, by id
};

class ProcessFaultsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // file-ingest: GC may take unreferenced shards older than 1 s; a killed instance's shard
    // intents lapse after three worker intervals; outbox and deletion queue are worked each second.
    setenv("DM_GC_GRACE", "1s", 1);
    setenv("DM_WORKER_INTERVAL", "1s", 1);
    // quota: a reservation nobody could release (the dependency was down) lapses within the test
    // rather than after an hour, and so does a committed one whose file never appeared.
    setenv("DM_RESERVATION_TTL", "30s", 1);
    setenv("DM_COMMITTED_TTL", "30s", 1);
    auto stack = TestStack::Start({.services = true, .chunk_stores = kChunkStores});
    ASSERT_OK(stack);
    stack_ = stack->release();
    admin_ = new RestClient(stack_->Env("DM_GATEWAY_URL"), Scratch("admin"));
    const std::string password(
        absl::StripAsciiWhitespace(e2e::ReadFile(stack_->dir() + "/admin-password")));
    const e2e::Reply login =
        admin_->Json("POST", "/auth/login",
                     absl::StrCat(R"({"username":"admin","password":")", password, "\"}"));
    ASSERT_EQ(login.code, 200) << login.body;
    admin_->set_token(e2e::Str(login.Json(), "token"));
    // The admin polls maintenance jobs more often than the free tier's hourly calls allow.
    const std::string admin_id = e2e::Str(e2e::Obj(login.Json(), "user"), "id");
    const e2e::Reply tier =
        admin_->Json("PUT", "/admin/users/" + admin_id, R"({"tier":"enterprise"})");
    ASSERT_EQ(tier.code, 200) << tier.body;
    admin_->set_token(NewApiKey(*admin_));
  }
  static void TearDownTestSuite() {
    delete admin_;
    admin_ = nullptr;
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    ASSERT_NE(admin_, nullptr);
    ASSERT_FALSE(admin_->token().empty());
  }

  static std::filesystem::path Scratch(const std::string& label) {
    return std::filesystem::path(stack_->dir()) / "rest" / label;
  }
  static RestClient Client(const TestUser& u, const std::string& label) {
    return RestClient(stack_->Env("DM_GATEWAY_URL"), Scratch(u.name + "-" + label), u.key);
  }
  static std::string NewApiKey(const RestClient& c) {
    const e2e::Reply r = c.Json("POST", "/auth/api-keys", R"({"name":"faults"})");
    EXPECT_EQ(r.code, 201) << r.body;
    return r.code == 201 ? e2e::Str(r.Json(), "key") : "";
  }
  // Registers `name` on the enterprise tier and gives it an API key.
  static TestUser& NewUser(const std::string& name) {
    RestClient c(stack_->Env("DM_GATEWAY_URL"), Scratch(name + "-setup"));
    TestUser u{name};
    const e2e::Reply reg = c.Json("POST", "/auth/register",
                                  absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                                               R"(@example.com","password":"correct-horse-1"})"));
    EXPECT_EQ(reg.code, 201) << reg.body;
    if (reg.code == 201) u.id = e2e::Str(e2e::Obj(reg.Json(), "user"), "id");
    const e2e::Reply login =
        c.Json("POST", "/auth/login",
               absl::StrCat(R"({"username":")", name, R"(","password":"correct-horse-1"})"));
    EXPECT_EQ(login.code, 200) << login.body;
    if (login.code == 200) c.set_token(e2e::Str(login.Json(), "token"));
    const e2e::Reply tier = admin_->Json("PUT", "/admin/users/" + u.id, R"({"tier":"enterprise"})");
    EXPECT_EQ(tier.code, 200) << tier.body;
    u.key = NewApiKey(c);
    return users_[name] = u;
  }

  static std::string InstanceKey(const std::string& instance, const std::string& suffix) {
    return absl::StrCat("DM_", absl::AsciiStrToUpper(absl::StrReplaceAll(instance, {{"-", "_"}})),
                        "_", suffix);
  }
  static std::vector<std::string> Instances() {
    std::vector<std::string> out = {"auth",       "quota",      "file-ingest", "dht",
                                    "monitoring", "governance", "gateway"};
    for (int i = 1; i <= kChunkStores; ++i) out.push_back(absl::StrCat("chunk-store-", i));
    return out;
  }
  // "SERVING", "NOT_SERVING", or why the health check got no answer.
  static std::string Health(const std::string& instance) {
    const absl::Status s = server::HealthClient(stack_->Env(InstanceKey(instance, "GRPC_ADDR")))
                               .Check("", absl::Seconds(2));
    if (s.ok()) return "SERVING";
    return s.message() == "not serving" ? "NOT_SERVING" : std::string(s.message());
  }
  static std::string Pid(const std::string& instance) {
    return std::string(absl::StripAsciiWhitespace(
        e2e::ReadFile(absl::StrCat(stack_->dir(), "/pids/", instance, ".pid"))));
  }
  static absl::Status KillInstance(const std::string& instance) {
    return stack_->Devstack("kill-instance " + instance).status();
  }
  static absl::Status StartInstance(const std::string& instance) {
    return stack_
        ->Devstack(absl::StrCat("start-instance --bin ", TestStack::BinaryDir(), "/bin ", instance))
        .status();
  }
  static pqxx::result Sql(const std::string& sql, const std::string& arg = "") {
    pqxx::connection conn(stack_->pg_url());
    pqxx::work w(conn);
    pqxx::result r = arg.empty() ? w.exec(sql) : w.exec_params(sql, arg);
    w.commit();
    return r;
  }

  // The chunk-store holding the most data shards (the ones downloads read first) of the file's
  // segments from `from_segment` on; 0 if none.
  static int StoreReadLaterIn(const std::string& file_id, int from_segment) {
    const pqxx::result rows = Sql(
        absl::StrCat("SELECT s.node_id FROM files.shards s JOIN files.files f ON f.content_id = "
                     "s.content_id WHERE f.id = $1 AND s.shard_idx < ",
                     kDataShards, " AND s.segment_idx >= ", from_segment,
                     " GROUP BY s.node_id ORDER BY count(*) DESC LIMIT 1"),
        file_id);
    if (rows.empty()) return 0;
    for (int i = 1; i <= kChunkStores; ++i) {
      if (integration::ChunkStoreNodeId(*stack_, i) == rows[0][0].as<std::string>()) return i;
    }
    return 0;
  }

  // Quota's storage usage of `u` (stored bytes plus live reservations) settles at `want`.
  static ::testing::AssertionResult QuotaSettlesAt(const TestUser& u, uint64_t want) {
    auto quota = quota::v1::QuotaService::NewStub(
        grpc::CreateChannel(stack_->Env("DM_QUOTA_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
    quota::v1::GetUsageResponse usage;
    grpc::Status status;
    // Reservations nobody released lapse after DM_RESERVATION_TTL (30 s).
    if (WaitFor(
            [&] {
              grpc::ClientContext ctx;
              ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
              quota::v1::GetUsageRequest req;
              req.set_user_id(u.id);
              status = quota->GetUsage(&ctx, req, &usage);
              return status.ok() && usage.usage().storage_bytes() == want;
            },
            absl::Seconds(100))) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "quota counts " << usage.usage().storage_bytes() << " bytes ("
           << usage.reserved_bytes() << " reserved) for " << u.name << ", its files hold " << want
           << (status.ok() ? "" : "; GetUsage: " + status.error_message());
  }

  // Files listed for the user: id -> size.
  static std::map<std::string, std::string> Listed(const RestClient& c) {
    std::map<std::string, std::string> listed;
    std::string cursor;
    do {
      const e2e::Reply r =
          c.Json("GET", "/files?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.code, 200) << r.body;
      if (r.code != 200) break;
      const google::protobuf::Struct page = r.Json();
      for (const auto& f : e2e::List(page, "files"))
        listed[e2e::Str(f, "id")] = e2e::Str(f, "size");
      cursor = e2e::Str(page, "nextCursor");
    } while (!cursor.empty());
    return listed;
  }

  // A DELETE that failed may or may not have happened: ask.
  static void ResolveUncertainDeletes(TestUser& u, const std::set<std::string>& ids) {
    RestClient c = Client(u, "resolve");
    for (const std::string& id : ids) {
      const int code = c.Json("GET", "/files/" + id + "/metadata").code;
      EXPECT_TRUE(code == 200 || code == 404) << id << ": " << code;
      if (code == 404) u.files.erase(id);
    }
  }

  // Every file of `u` is listed (nothing else is) and downloads byte-identical; quota usage
  // settles at their sizes.
  static void ExpectIntact(const TestUser& u) {
    SCOPED_TRACE("user " + u.name);
    RestClient c = Client(u, "check");
    const std::map<std::string, std::string> listed = Listed(c);
    std::set<std::string> listed_ids, wanted_ids;
    for (const auto& [id, size] : listed) listed_ids.insert(id);
    uint64_t bytes = 0;
    for (const auto& [id, f] : u.files) {
      wanted_ids.insert(id);
      bytes += f.size;
      if (listed.count(id)) {
        EXPECT_EQ(listed.at(id), std::to_string(f.size)) << f.name;
      }
      const DownloadOutcome d = c.Download(id, f.seed, {}, 300);
      EXPECT_TRUE(d.Identical(f.seed, f.size)) << f.name << " (" << id << "): " << d.Describe();
    }
    EXPECT_EQ(listed_ids, wanted_ids)
        << "listed, never acknowledged: " << integration::Difference(listed_ids, wanted_ids)
        << "; acknowledged, not listed: " << integration::Difference(wanted_ids, listed_ids);
    EXPECT_TRUE(QuotaSettlesAt(u, bytes));
  }

  // Starts a gc job and waits for its end: "succeeded", "failed" or what went wrong.
  static std::string RunGc() {
    const e2e::Reply started = admin_->Json("POST", "/admin/maintenance", R"({"action":"gc"})");
    if (started.code != 202) return absl::StrCat("POST answered ", started.code, " ", started.body);
    const std::string job = e2e::Str(started.Json(), "jobId");
    std::string state = "unfinished";
    WaitFor(
        [&] {
          const e2e::Reply r = admin_->Json("GET", "/admin/maintenance/" + job);
          if (r.code == 200) state = e2e::Str(r.Json(), "state");
          return state == "succeeded" || state == "failed";
        },
        absl::Seconds(120));
    return state;
  }

  void RestartUnderLoad(const std::string& dependency, const std::set<std::string>& needs_it,
                        uint64_t first_seed);

  static inline TestStack* stack_ = nullptr;
  static inline RestClient* admin_ = nullptr;
  static inline std::map<std::string, TestUser> users_;
};

// Stops `dependency` while kLoadThreads clients upload, download and delete; the instances in
// `needs_it` must turn NOT_SERVING and the others keep serving; once it is back every instance
// serves again without a restart, a fresh upload and download succeed, and the user's files and
// quota are intact.
void ProcessFaultsTest::RestartUnderLoad(const std::string& dependency,
                                         const std::set<std::string>& needs_it,
                                         uint64_t first_seed) {
  TestUser& u = NewUser(dependency + "-load");
  std::map<std::string, std::string> pids;
  for (const std::string& i : Instances()) pids[i] = Pid(i);
  TransferLoad load(stack_->Env("DM_GATEWAY_URL"), Scratch(u.name), u.key, kLoadThreads,
                    first_seed);
  ASSERT_TRUE(
      WaitFor([&] { return load.Acknowledged(TransferLoad::kBefore) >= 3; }, absl::Seconds(60)))
      << load.Summary();

  ASSERT_OK(stack_->Devstack("dep-stop " + dependency));
  load.set_phase(TransferLoad::kDuring);
  const absl::Time stopped = absl::Now();
  std::set<std::string> seen_down;
  EXPECT_TRUE(WaitFor(
      [&] {
        for (const std::string& i : needs_it) {
          if (Health(i) == "NOT_SERVING") seen_down.insert(i);
        }
        return seen_down.size() == needs_it.size();
      },
      absl::Seconds(30)))
      << "seen NOT_SERVING: " << absl::StrJoin(seen_down, ", ");
  for (const std::string& i : Instances()) {
    if (!needs_it.count(i)) {
      EXPECT_EQ(Health(i), "SERVING") << i << " does not need " << dependency;
    }
  }
  // The outage lasts a few seconds, long enough for the clients to try their luck during it.
  WaitFor(
      [&] { return load.Attempts(TransferLoad::kDuring) >= 3 && absl::Now() - stopped >= kOutage; },
      absl::Seconds(60));
  ASSERT_OK(stack_->Devstack("dep-start " + dependency));
  load.set_phase(TransferLoad::kAfter);

  for (const std::string& i : Instances()) {
    EXPECT_OK(server::HealthClient(stack_->Env(InstanceKey(i, "GRPC_ADDR")))
                  .WaitUntilServing("", absl::Seconds(60)))
        << i << " did not serve again after " << dependency << " returned";
    EXPECT_EQ(Pid(i), pids[i]) << i << " was restarted";
  }
  RestClient c = Client(u, "fresh");
  StoredFile fresh{"", "fresh/after-" + dependency, first_seed + 99999, 2 * kMiB + 1};
  UploadOutcome up;
  EXPECT_TRUE(WaitFor(
      [&] {
        up = c.Upload(fresh.name, fresh.seed, fresh.size, {}, 60);
        return up.Acknowledged();
      },
      absl::Seconds(60)))
      << "no upload succeeded after " << dependency << " returned: " << up.Describe();
  if (up.Acknowledged()) {
    fresh.id = up.FileField("id");
    u.files[fresh.id] = fresh;
    const DownloadOutcome d = c.Download(fresh.id, fresh.seed, {}, 60);
    EXPECT_TRUE(d.Identical(fresh.seed, fresh.size)) << d.Describe();
  }
  EXPECT_TRUE(
      WaitFor([&] { return load.Acknowledged(TransferLoad::kAfter) >= 3; }, absl::Seconds(60)))
      << load.Summary();
  load.Stop();
  std::cout << dependency << " stopped and started under load:\n" << load.Summary();
  for (const auto& [id, f] : load.files()) u.files[id] = f;
  ResolveUncertainDeletes(u, load.uncertain_deletes());
  ExpectIntact(u);
}

TEST_F(ProcessFaultsTest, ChunkStoreKilledMidDownloadGivesTheFileOrAVisibleError) {
  TestUser& u = NewUser("bigfile");
  RestClient c = Client(u, "t1");
  const UploadOutcome up = c.Upload("big/160mib", kBigSeed, kBigSize, {}, 300);
  ASSERT_TRUE(up.Acknowledged()) << up.Describe();
  const StoredFile big{up.FileField("id"), "big/160mib", kBigSeed, kBigSize};
  EXPECT_EQ(up.FileField("sha256"), PatternSha256Hex(kBigSeed, kBigSize));
  u.files[big.id] = big;
  // The store whose shards the second half of the download reads most.
  const int victim = StoreReadLaterIn(big.id, /*from_segment=*/20);
  ASSERT_GT(victim, 0);
  const std::string store = absl::StrCat("chunk-store-", victim);
  KillMidStream kill(kKillAfter, [&] { return KillInstance(store); });
  const DownloadOutcome d = c.Download(big.id, big.seed, std::ref(kill), 300);
  EXPECT_OK(kill.Join());
  EXPECT_TRUE(kill.received_when_dead().has_value() && *kill.received_when_dead() < big.size)
      << "the download ended before " << store << " died: " << d.Describe();
  EXPECT_FALSE(d.mismatch.has_value()) << d.Describe();
  EXPECT_TRUE(d.VisibleError() || d.Identical(big.seed, big.size)) << d.Describe();
  std::cout << store << " killed once 4 MiB had arrived (dead at "
            << kill.received_when_dead().value_or(0) << " bytes): "
            << (d.VisibleError() ? "visible error, " + d.Describe() : "complete and identical")
            << "\n";
  // One store down of six: the file decodes from the others.
  const DownloadOutcome degraded = c.Download(big.id, big.seed, {}, 300);
  EXPECT_TRUE(degraded.Identical(big.seed, big.size)) << degraded.Describe();
  ASSERT_OK(StartInstance(store));
  ExpectIntact(u);
}

TEST_F(ProcessFaultsTest, FileIngestKilledMidDownloadIsAVisibleErrorAndTheRetryIdentical) {
  ASSERT_EQ(users_.count("bigfile"), 1u);
  TestUser& u = users_.at("bigfile");
  ASSERT_FALSE(u.files.empty());
  const StoredFile big = u.files.begin()->second;
  RestClient c = Client(u, "t2");
  KillMidStream kill(kKillAfter, [] { return KillInstance("file-ingest"); });
  const DownloadOutcome d = c.Download(big.id, big.seed, std::ref(kill), 300);
  EXPECT_OK(kill.Join());
  EXPECT_FALSE(d.mismatch.has_value()) << d.Describe();
  // What file-ingest had sent before it died cannot be the whole file (see kBigSize).
  EXPECT_TRUE(d.VisibleError()) << "complete-looking answer: " << d.Describe();
  std::cout << "file-ingest killed once 4 MiB had arrived: " << d.Describe() << "\n";
  ASSERT_OK(StartInstance("file-ingest"));
  // The gateway reaches the new instance on its own.
  EXPECT_TRUE(WaitFor([&] { return c.Json("GET", "/files/" + big.id + "/metadata").code == 200; },
                      absl::Seconds(60)));
  const DownloadOutcome again = c.Download(big.id, big.seed, {}, 300);
  EXPECT_TRUE(again.Identical(big.seed, big.size)) << again.Describe();
}

TEST_F(ProcessFaultsTest, FileIngestKilledMidUploadLeavesNothingVisibleOrCounted) {
  TestUser& u = NewUser("killedupload");
  RestClient c = Client(u, "t3");
  bool killed = false;
  // Up to 256 MiB; file-ingest dies once two segments' shards are recorded as intents (each
  // shard write is, before it happens) and 12 MiB were sent.
  const UploadOutcome up = c.Upload(
      "killed/upload", 3001, 256 * kMiB,
      [&](uint64_t sent) {
        if (killed || sent < 12 * kMiB) return;
        if (Sql("SELECT count(*) FROM files.shard_intents")[0][0].as<int>() < 12) {
          return;
        }
        killed = true;
        EXPECT_OK(KillInstance("file-ingest"));
      },
      300);
  EXPECT_TRUE(killed) << up.Describe();
  EXPECT_FALSE(up.Acknowledged()) << up.Describe();
  std::cout << "file-ingest killed during the upload: " << up.Kind() << " after " << up.bytes_sent
            << " bytes sent\n";
  ASSERT_OK(StartInstance("file-ingest"));
  EXPECT_TRUE(WaitFor(
      [&] {
        const e2e::Reply r = c.Json("GET", "/files");
        return r.code == 200 && e2e::List(r.Json(), "files").empty();
      },
      absl::Seconds(60)));
  EXPECT_EQ(Sql("SELECT count(*) FROM files.files WHERE owner_id = $1", u.id)[0][0].as<int>(), 0);
  // Nothing listed, and quota drops the upload's reservation. Its shards are left to GC (the
  // last test).
  ExpectIntact(u);
}

TEST_F(ProcessFaultsTest, NatsRestartedUnderLoad) {
  std::set<std::string> everyone;  // every service talks to NATS
  for (const std::string& i : Instances()) everyone.insert(i);
  RestartUnderLoad("nats", everyone, 400000);
}

TEST_F(ProcessFaultsTest, PostgresRestartedUnderLoad) {
  // The gateway counts itself not ready while auth, quota or file-ingest is not.
  RestartUnderLoad("postgres",
                   {"auth", "quota", "file-ingest", "dht", "monitoring", "governance", "gateway"},
                   500000);
}

TEST_F(ProcessFaultsTest, RedisRestartedUnderLoad) {
  RestartUnderLoad("redis", {"auth", "quota", "gateway"}, 600000);
}

// Runs last: what every earlier test left behind. An upload that failed while PostgreSQL was
// away could neither queue its shards for deletion nor clear its shard intents at once; the
// instance clears such intents at its next refresh (ShardIntents::Clear), after which GC
// collects those shards like any other orphan.
TEST_F(ProcessFaultsTest, AfterGcStoresHoldExactlyTheReferencedShardsAndUsersAreIntact) {
  std::set<std::string> held, referenced;
  std::string job, error;
  // A killed upload's shards go once its intents lapsed (3 s); a store's shards rebuilt elsewhere
  // while it was down go too.
  EXPECT_TRUE(WaitFor(
      [&] {
        job = RunGc();
        if (job != "succeeded") return false;
        error.clear();
        held = integration::HeldShards(*stack_, kChunkStores, &error);
        referenced = integration::ReferencedShards(stack_->pg_url());
        return error.empty() && held == referenced;
      },
      absl::Seconds(120)))
      << "held, not referenced: " << integration::Difference(held, referenced)
      << "; referenced, not held: " << integration::Difference(referenced, held)
      << "; shard intents left: " << integration::IntentShards(stack_->pg_url()).size()
      << "; last gc job: " << job << " " << error;
  EXPECT_FALSE(referenced.empty());
  std::cout << held.size() << " shards held, " << referenced.size() << " referenced, "
            << Sql("SELECT count(*) FROM files.shards WHERE node_id = ''")[0][0].as<int>()
            << " manifest shards on no node (left to repair)\n";
  for (const auto& [name, u] : users_) ExpectIntact(u);
}

}  // namespace
}  // namespace datamesh
