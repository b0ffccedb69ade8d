// Governance changes the erasure code of stored data, live, on the whole stack (seven
// chunk-stores): a parameter proposal moving erasure.dataShards / erasure.parityShards from
// 4+2 to 3+3 shows what it will cost before the vote, passes, file-ingest applies it (new
// uploads are 3+3 at once) and answers governance, and the re-encode job moves every file
// stored before -- while a chunk-store is SIGKILLed in the middle of it. Every file downloads
// byte-identical before, throughout (a reader loops over them while the job runs) and after.
//
// Seven stores, not six: 3+3 puts six shards on six distinct nodes, so with one of seven down
// the job still has somewhere to write; it retries the contents whose writes hit the dead store
// until dht declares it down and placement avoids it.
//
// Then the code goes back to 4+2 and file-ingest itself is SIGKILLed mid-job: the restarted
// instance resumes the walk from the saved cursor, moves only what was left, and leaves the
// contents moved before the kill as they were.
//
// As in governance_tier_e2e_test.cc, the voting period is ended by SQL (the minimum is an hour)
// and the enactment delay set to 0 in the parameter table; the grant, stake, proposal, vote,
// execution and file-ingest's answer are the services' own. The re-encode throttle is lowered
// to 1 MiB/s so the job runs long enough to kill a store while it works.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/x25519.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"
#include "tests/integration/governance_votes.h"
#include "tests/integration/pattern_content.h"

namespace datamesh::integration {
namespace {

using ::datamesh::testing::TestStack;
using ::datamesh::testing::WaitFor;
using file::v1::FileService;
namespace gov = ::datamesh::governance::v1;

constexpr int kChunkStores = 7;
constexpr int kVictim = 4;
constexpr int64_t kToken = 1'000'000;
constexpr absl::Duration kWait = absl::Seconds(240);  // only bounds how long a failure takes

struct StoredFile {
  std::string id;
  uint64_t seed = 0;
  uint64_t size = 0;
};

class GovernanceReencodeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_TICK_INTERVAL", "1s", 1);                   // governance's lifecycle worker
    setenv("DM_REENCODE_BYTES_PER_SECOND", "1048576", 1);  // file-ingest: 1 MiB/s
    setenv("DM_REENCODE_FREE_DELAY", "5s", 1);
    setenv("DM_WORKER_INTERVAL", "1s", 1);
    setenv("DM_NODE_TIMEOUT", "6s", 1);  // dht declares the killed store down sooner
    auto stack = TestStack::Start({.services = true, .chunk_stores = kChunkStores});
    ASSERT_OK(stack);
    stack_ = stack->release();
    auto key = crypto::X25519PrivateKey::Generate();
    ASSERT_OK(key);
    public_key_ = key->public_key();
    private_key_ = std::string(key->ToBytes().value().view());
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    files_ = FileService::NewStub(grpc::CreateChannel(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"),
                                                      grpc::InsecureChannelCredentials()));
    governance_ = gov::GovernanceService::NewStub(grpc::CreateChannel(
        stack_->Env("DM_GOVERNANCE_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
  }

  static pqxx::result Sql(const std::string& sql, const std::string& arg = "") {
    pqxx::connection conn(stack_->pg_url());
    pqxx::work w(conn);
    pqxx::result r = arg.empty() ? w.exec(sql) : w.exec_params(sql, arg);
    w.commit();
    return r;
  }

  // Uploads the content named by `seed` (retrying while no placement is possible).
  StoredFile Upload(const std::string& name, uint64_t seed, uint64_t size) {
    StoredFile f{"", seed, size};
    grpc::Status s;
    file::v1::UploadResponse resp;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    do {
      grpc::ClientContext ctx;
      auto writer = files_->Upload(&ctx, &resp);
      file::v1::UploadRequest req;
      req.mutable_header()->set_owner_id("reencode-owner");
      req.mutable_header()->set_name(name);
      req.mutable_header()->set_owner_public_key(public_key_);
      req.mutable_header()->set_declared_size(size);
      bool open = writer->Write(req);
      for (uint64_t at = 0; open && at < size; at += kPatternMiB) {
        file::v1::UploadRequest chunk;
        chunk.set_chunk(PatternBytes(seed, at, std::min(kPatternMiB, size - at)));
        open = writer->Write(chunk);
      }
      writer->WritesDone();
      s = writer->Finish();
    } while (s.error_code() == grpc::StatusCode::UNAVAILABLE && absl::Now() < deadline);
    EXPECT_TRUE(s.ok()) << name << ": " << s.error_message();
    f.id = resp.file().id();
    if (s.ok()) stored_.push_back(f);
    return f;
  }

  // The whole file, compared byte by byte with its content.
  static ::testing::AssertionResult Matches(FileService::Stub& stub, const StoredFile& f) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    file::v1::DownloadRequest req;
    req.set_owner_id("reencode-owner");
    req.set_file_id(f.id);
    req.set_private_key(private_key_);
    auto reader = stub.Download(&ctx, req);
    PatternChecker checker(f.seed);
    file::v1::DownloadResponse msg;
    while (reader->Read(&msg) && checker.Add(msg.chunk())) {
    }
    if (checker.first_mismatch()) ctx.TryCancel();
    grpc::Status s = reader->Finish();
    if (checker.first_mismatch()) {
      return ::testing::AssertionFailure()
             << f.id << ": bytes differ at " << *checker.first_mismatch();
    }
    if (!s.ok()) return ::testing::AssertionFailure() << f.id << ": " << s.error_message();
    if (checker.bytes() != f.size || checker.Sha256Hex() != PatternSha256Hex(f.seed, f.size)) {
      return ::testing::AssertionFailure() << f.id << ": " << checker.bytes() << " bytes";
    }
    return ::testing::AssertionSuccess();
  }

  file::v1::File Stat(const StoredFile& f) {
    grpc::ClientContext ctx;
    file::v1::StatRequest req;
    req.set_owner_id("reencode-owner");
    req.set_file_id(f.id);
    file::v1::StatResponse resp;
    EXPECT_TRUE(files_->Stat(&ctx, req, &resp).ok());
    return resp.file();
  }

  void GrantAndStake(const std::string& account) {
    ASSERT_TRUE(testing::GrantAndStake(*governance_, account, 50 * kToken));
  }

  // Proposes `change`, votes yes with all the power, ends the vote and waits for
  // file-ingest's answer.
  gov::Proposal PassAndWaitForFileIngest(const std::string& proposer,
                                         const std::map<std::string, double>& change,
                                         gov::Proposal* created_out = nullptr) {
    testing::PassedProposal p = testing::PassParameterChange(
        *governance_, stack_->pg_url(), proposer, change, "file-ingest", kWait);
    if (created_out != nullptr) *created_out = p.created;
    return p.done;
  }
  static const gov::ExecutionEntry* Entry(const gov::Proposal& p, const std::string& service) {
    return testing::ExecutionOf(p, service);
  }

  static TestStack* stack_;
  static std::vector<StoredFile> stored_;  // every file uploaded, by every test
  static std::string public_key_;
  static std::string private_key_;
  std::unique_ptr<FileService::Stub> files_;
  std::unique_ptr<gov::GovernanceService::Stub> governance_;
};

TestStack* GovernanceReencodeTest::stack_ = nullptr;
std::vector<StoredFile> GovernanceReencodeTest::stored_;
std::string GovernanceReencodeTest::public_key_;
std::string GovernanceReencodeTest::private_key_;

TEST_F(GovernanceReencodeTest, AShapeMoreNodesThanExistIsRefusedWithItsReasonAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(GrantAndStake("greedy"));
  // 8 + 2 needs ten distinct nodes; the stack has seven. The audit rate rides along and must
  // not apply either: a change applies whole or not at all.
  gov::Proposal done = PassAndWaitForFileIngest(
      "greedy",
      {{"erasure.dataShards", 8}, {"erasure.parityShards", 2}, {"audit.ratePerMinute", 120}});
  EXPECT_EQ(done.state(), "executed");
  const gov::ExecutionEntry* answer = Entry(done, "file-ingest");
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->state(), "failed");
  EXPECT_NE(answer->reason().find("needs 10 storage nodes"), std::string::npos) << answer->reason();
  EXPECT_TRUE(Sql("SELECT 1 FROM files.live_parameters").empty());
  StoredFile f = Upload("after-refusal", 1, 3 * kPatternMiB);
  EXPECT_EQ(Stat(f).redundancy().data_shards(), 4u);
  EXPECT_EQ(Stat(f).redundancy().parity_shards(), 2u);
}

TEST_F(GovernanceReencodeTest, KmChangeAppliesLiveAndReencodesEveryFileWhileAStoreDies) {
  // Files of one and two segments (4 MiB segments), stored as 4+2.
  std::vector<StoredFile> old_files;
  for (uint64_t i = 0; i < 8; ++i) {
    old_files.push_back(Upload(absl::StrCat("old-", i), 100 + i, (i % 2 ? 6 : 2) * kPatternMiB));
    ASSERT_FALSE(old_files.back().id.empty());
    EXPECT_EQ(Stat(old_files.back()).redundancy().parity_shards(), 2u);
  }

  ASSERT_NO_FATAL_FAILURE(GrantAndStake("voter"));
  gov::Proposal created;
  gov::Proposal done = PassAndWaitForFileIngest(
      "voter",
      {{"erasure.dataShards", 3}, {"erasure.parityShards", 3}, {"audit.ratePerMinute", 120}},
      &created);
  // The impact shown before the vote: overheads, losses tolerated, and what the job will move.
  const gov::ErasureImpact& impact = created.impact().erasure();
  EXPECT_DOUBLE_EQ(impact.current_storage_overhead(), 1.5);
  EXPECT_DOUBLE_EQ(impact.storage_overhead(), 2.0);
  EXPECT_EQ(impact.node_losses_tolerated(), 3u);
  EXPECT_TRUE(impact.reencode_known());
  EXPECT_GE(impact.reencode_files(), 9u);  // the eight above and the one of the first test
  EXPECT_GT(impact.reencode_bytes(), 35 * kPatternMiB);
  EXPECT_EQ(impact.reencode_throttle_bytes_per_second(), kPatternMiB);
  EXPECT_GE(impact.reencode_seconds(), 35u);

  ASSERT_EQ(done.state(), "executed");
  const gov::ExecutionEntry* answer = Entry(done, "file-ingest");
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->state(), "applied") << answer->reason();
  EXPECT_EQ(Sql("SELECT value FROM files.live_parameters WHERE key = 'audit.ratePerMinute'")[0][0]
                .as<int64_t>(),
            120);

  // New uploads use the new code at once.
  StoredFile fresh = Upload("fresh", 500, 5 * kPatternMiB);
  EXPECT_EQ(Stat(fresh).redundancy().data_shards(), 3u);
  EXPECT_EQ(Stat(fresh).redundancy().parity_shards(), 3u);

  // A reader goes over every old file again and again while the job runs.
  std::atomic<bool> reading{true};
  std::atomic<int> rounds{0};
  std::vector<std::string> failures;
  std::thread reader([&] {
    auto stub = FileService::NewStub(grpc::CreateChannel(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"),
                                                         grpc::InsecureChannelCredentials()));
    while (reading) {
      for (const StoredFile& f : old_files) {
        ::testing::AssertionResult ok = Matches(*stub, f);
        if (!ok) failures.push_back(ok.message());
      }
      ++rounds;
    }
  });

  // Kill a store once the job has moved something and before it is done.
  ASSERT_TRUE(WaitFor(
      [] {
        return !Sql("SELECT 1 FROM files.maintenance_jobs WHERE action = 'reencode' AND "
                    "fixed >= 2")
                    .empty();
      },
      kWait));
  EXPECT_TRUE(Sql("SELECT 1 FROM files.maintenance_jobs WHERE action = 'reencode' AND "
                  "state = 'succeeded'")
                  .empty())
      << "the job ended before the store could be killed";
  ASSERT_OK(stack_->Devstack(absl::StrCat("kill-instance chunk-store-", kVictim)));

  // The job retries what the dead store cost it and finishes with every content moved.
  EXPECT_TRUE(WaitFor(
      [] {
        return !Sql("SELECT 1 FROM files.maintenance_jobs WHERE action = 'reencode' AND "
                    "state = 'succeeded'")
                    .empty();
      },
      kWait))
      << Sql("SELECT message FROM files.maintenance_jobs WHERE action = 'reencode' ORDER BY "
             "created_at DESC LIMIT 1")[0][0]
             .as<std::string>();
  const int rounds_at_end = rounds;
  EXPECT_TRUE(WaitFor([&] { return rounds > rounds_at_end; }, kWait));  // one whole round after
  reading = false;
  reader.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed downloads, first: "
                                << (failures.empty() ? "" : failures.front());
  EXPECT_GE(rounds_at_end, 1);

  EXPECT_TRUE(Sql("SELECT 1 FROM files.contents WHERE inline_data IS NULL AND "
                  "(data_shards, parity_shards) <> (3, 3)")
                  .empty());
  // Every segment has six shard rows on six distinct nodes.
  EXPECT_TRUE(Sql("SELECT content_id, segment_idx FROM files.shards GROUP BY 1, 2 HAVING "
                  "count(*) <> 6 OR count(DISTINCT node_id) <> 6")
                  .empty());
  for (const StoredFile& f : old_files) {
    EXPECT_EQ(Stat(f).redundancy().data_shards(), 3u);
    EXPECT_TRUE(Matches(*files_, f));
  }
  EXPECT_TRUE(Matches(*files_, fresh));

  // The old shards are freed once their delay is over (those on the dead store stay queued).
  EXPECT_TRUE(WaitFor(
      [] {
        return Sql("SELECT 1 FROM files.shard_deletions WHERE attempts = 0 AND "
                   "not_before < now() - interval '5 seconds'")
            .empty();
      },
      kWait));
}

TEST_F(GovernanceReencodeTest, AReencodeResumesFromItsCursorAfterFileIngestIsKilled) {
  // The store the previous test killed is back, so all seven take part.
  ASSERT_OK(stack_->Devstack(absl::StrCat("start-instance --bin ", TestStack::BinaryDir(),
                                          "/bin chunk-store-", kVictim)));
  const std::string segmented = "SELECT id FROM files.contents WHERE inline_data IS NULL";
  const size_t contents = Sql(segmented).size();
  ASSERT_GE(contents, 10u);
  // The sealed bytes of the segmented contents matching `where` (with $1 bound to `arg`).
  auto sealed_bytes = [](const std::string& where, const std::string& arg = "") {
    return Sql("SELECT COALESCE(sum(s.stored_size + " + std::to_string(crypto::kAesGcmTagSize) +
                   "), 0) FROM files.segments s JOIN files.contents c ON c.id = s.content_id "
                   "WHERE c.inline_data IS NULL AND " + where,
               arg)[0][0]
        .as<uint64_t>();
  };
  // What the jobs must count once they have moved every content exactly once.
  const uint64_t all_bytes = sealed_bytes("true");

  // "voter" holds half the power and has no live proposal: its vote alone passes.
  gov::Proposal done = PassAndWaitForFileIngest(
      "voter", {{"erasure.dataShards", 4}, {"erasure.parityShards", 2}});
  const gov::ExecutionEntry* answer = Entry(done, "file-ingest");
  ASSERT_NE(answer, nullptr);
  ASSERT_EQ(answer->state(), "applied") << answer->reason();

  // Kill file-ingest once the job (still at 1 MiB/s) has moved a few contents.
  const std::string job_of_42 =
      "SELECT id FROM files.maintenance_jobs WHERE action = 'reencode' AND target = '4+2' ";
  ASSERT_TRUE(WaitFor([&] { return !Sql(job_of_42 + "AND fixed >= 3").empty(); }, kWait));
  ASSERT_OK(stack_->Devstack("kill-instance file-ingest"));
  const pqxx::result killed = Sql(
      "SELECT id, state, cursor, bytes, fixed FROM files.maintenance_jobs WHERE action = "
      "'reencode' AND target = '4+2'");
  ASSERT_EQ(killed.size(), 1u);
  const std::string first_job = killed[0][0].as<std::string>();
  ASSERT_EQ(killed[0][1].as<std::string>(), "running") << "the job ended before the kill";
  const std::string cursor = killed[0][2].as<std::string>();
  const uint64_t bytes_at_kill = killed[0][3].as<uint64_t>();
  ASSERT_FALSE(cursor.empty());
  ASSERT_GT(bytes_at_kill, 0u);
  // The contents already moved, with every shard row as it is now.
  const std::string moved_rows =
      "SELECT string_agg(sh.content_id || '/' || sh.segment_idx || '/' || sh.shard_idx || '/' || "
      "sh.shard_id || '@' || sh.node_id, ',' ORDER BY sh.content_id, sh.segment_idx, "
      "sh.shard_idx) FROM files.shards sh JOIN files.contents c ON c.id = sh.content_id "
      "WHERE c.data_shards = 4 AND c.parity_shards = 2 AND c.id <= $1";
  const std::string moved_before = Sql(moved_rows, cursor)[0][0].as<std::string>();
  const size_t moved_at_kill =
      Sql(segmented + " AND data_shards = 4 AND parity_shards = 2").size();
  ASSERT_GE(moved_at_kill, 3u);
  ASSERT_LT(moved_at_kill, contents);
  // A content switched just before the kill, its cursor and bytes not saved yet: moved, and
  // skipped by the resumed walk, so its bytes are in neither job's count.
  const uint64_t unsaved_bytes =
      sealed_bytes("c.data_shards = 4 AND c.parity_shards = 2 AND c.id > $1", cursor);

  // Restarted faster, so the rest does not take a minute.
  ASSERT_OK(stack_->Devstack(absl::StrCat("start-instance --bin ", TestStack::BinaryDir(),
                                          "/bin file-ingest -- --reencode-bytes-per-second ",
                                          8 * kPatternMiB)));
  ASSERT_TRUE(WaitFor(
      [&] {
        return !Sql(job_of_42 + "AND state = 'succeeded' AND id <> $1", first_job).empty();
      },
      kWait))
      << Sql("SELECT string_agg(id || ' ' || state || ' ' || message, '; ') FROM "
             "files.maintenance_jobs WHERE action = 'reencode' AND target = '4+2'")[0][0]
             .as<std::string>("");
  EXPECT_EQ(Sql("SELECT state, message FROM files.maintenance_jobs WHERE id = $1",
                first_job)[0][0]
                .as<std::string>(),
            "failed");  // abandoned by the restarted instance
  const pqxx::result resumed = Sql(
      "SELECT examined, fixed, bytes FROM files.maintenance_jobs WHERE action = 'reencode' AND "
      "target = '4+2' AND state = 'succeeded'");
  ASSERT_EQ(resumed.size(), 1u);
  // It walked only what was left after the cursor and counted on from the bytes saved: every
  // content's bytes counted once over both jobs.
  EXPECT_EQ(resumed[0][0].as<size_t>(), contents - moved_at_kill);
  EXPECT_EQ(resumed[0][1].as<size_t>(), contents - moved_at_kill);
  EXPECT_EQ(resumed[0][2].as<uint64_t>(), all_bytes - unsaved_bytes);
  // Nothing moved before the kill was moved again: same shards on the same nodes.
  EXPECT_EQ(Sql(moved_rows, cursor)[0][0].as<std::string>(), moved_before);
  EXPECT_TRUE(Sql(segmented + " AND (data_shards, parity_shards) <> (4, 2)").empty());
  for (const StoredFile& f : stored_) {
    EXPECT_EQ(Stat(f).redundancy().data_shards(), 4u) << f.id;
    EXPECT_TRUE(Matches(*files_, f));
  }
}

}  // namespace
}  // namespace datamesh::integration
