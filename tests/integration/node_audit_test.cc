// Audits and disqualification on the whole local stack (real NATS, PostgreSQL, every service,
// six chunk-stores claimed by the stack's operator): every shard file of one chunk-store is
// corrupted on its disk; file-ingest's audits find its stripes inconsistent, governance's
// reputation falls below audit.disqualifyBelow and disqualifies it (the other five stay at score
// 1), the operator's stake is slashed by audit.disqualifySlashPpm, file-ingest repairs the
// node's shards onto the others, and every file still downloads byte-identical.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "datamesh/governance/v1/governance.grpc.pb.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
using ::datamesh::testing::WaitFor;
using file::v1::FileService;
namespace gov = ::datamesh::governance::v1;

constexpr int kChunkStores = 6;
constexpr int kVictim = 3;
constexpr int64_t kStake = 1'000'000'000;             // 1,000 tokens
constexpr absl::Duration kWait = absl::Seconds(180);  // only bounds how long a failure takes

class NodeAuditTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("DM_AUDIT_RATE", "600", 1);  // file-ingest: ten segments a second
    setenv("DM_WORKER_INTERVAL", "1s", 1);
    setenv("DM_REPAIR_DOWN_GRACE", "10s", 1);
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
  void SetUp() override { ASSERT_NE(stack_, nullptr); }

  static pqxx::result Sql(const std::string& sql, const std::string& arg = "") {
    pqxx::connection conn(stack_->pg_url());
    pqxx::work w(conn);
    pqxx::result r = arg.empty() ? w.exec(sql) : w.exec_params(sql, arg);
    w.commit();
    return r;
  }
  static std::unique_ptr<FileService::Stub> Files() {
    return FileService::NewStub(grpc::CreateChannel(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"),
                                                    grpc::InsecureChannelCredentials()));
  }
  static std::unique_ptr<gov::GovernanceService::Stub> Governance() {
    return gov::GovernanceService::NewStub(grpc::CreateChannel(
        stack_->Env("DM_GOVERNANCE_GRPC_ADDR"), grpc::InsecureChannelCredentials()));
  }
  static std::string NodeId(int store) {
    grpc::ClientContext ctx;
    chunk::v1::StatsResponse resp;
    auto stub = chunk::v1::ChunkService::NewStub(
        grpc::CreateChannel(stack_->Env(absl::StrCat("DM_CHUNK_STORE_", store, "_GRPC_ADDR")),
                            grpc::InsecureChannelCredentials()));
    EXPECT_TRUE(stub->Stats(&ctx, chunk::v1::StatsRequest(), &resp).ok());
    return resp.node_id();
  }

  std::string Upload(const std::string& owner, const std::string& name, const std::string& data) {
    file::v1::UploadResponse resp;
    grpc::Status status;
    WaitFor(
        [&] {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
          auto writer = Files()->Upload(&ctx, &resp);
          file::v1::UploadRequest req;
          req.mutable_header()->set_owner_id(owner);
          req.mutable_header()->set_name(name);
          req.mutable_header()->set_owner_public_key(public_key_);
          req.mutable_header()->set_declared_size(data.size());
          writer->Write(req);
          for (size_t at = 0; at < data.size(); at += 1 << 20) {
            file::v1::UploadRequest chunk;
            chunk.set_chunk(data.substr(at, 1 << 20));
            if (!writer->Write(chunk)) break;
          }
          writer->WritesDone();
          status = writer->Finish();
          return status.error_code() != grpc::StatusCode::UNAVAILABLE;
        },
        absl::Seconds(60));
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return resp.file().id();
  }
  std::string Download(const std::string& owner, const std::string& id) {
    grpc::ClientContext ctx;
    file::v1::DownloadRequest req;
    req.set_owner_id(owner);
    req.set_file_id(id);
    req.set_private_key(private_key_);
    auto reader = Files()->Download(&ctx, req);
    file::v1::DownloadResponse msg;
    std::string out;
    while (reader->Read(&msg)) out.append(msg.chunk());
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  // Flips every byte of every shard file of chunk-store `store`: whatever stripe an audit asks
  // for, the node's answer disagrees with the other shards.
  static int CorruptEveryShard(int store) {
    const std::filesystem::path dir = std::filesystem::path(stack_->dir()) / "data" /
                                      absl::StrCat("chunk-store-", store) / "shards";
    int n = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().filename().string().size() != 64) continue;
      std::string bytes;
      {
        std::ifstream in(entry.path(), std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
      }
      for (char& c : bytes) c = static_cast<char>(c ^ 0x5a);
      std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << bytes;
      ++n;
    }
    return n;
  }

  static int64_t Staked(const std::string& account) {
    pqxx::result r =
        Sql("SELECT COALESCE(sum(amount), 0)::bigint FROM governance.balances "
            "WHERE account_id = $1 AND bucket = 'staked'",
            account);
    return r[0][0].as<int64_t>();
  }

  static inline TestStack* stack_ = nullptr;
  static inline std::string public_key_;
  static inline std::string private_key_;
};

TEST_F(NodeAuditTest, ACorruptedStoreIsDisqualifiedSlashedAndRepairedAround) {
  // The stack's operator (the admin's account, which registered every chunk-store) bonds
  // 1,000 tokens; disqualification takes 20% of them.
  pqxx::result op = Sql("SELECT account_id FROM governance.operators WHERE name = 'devstack'");
  ASSERT_EQ(op.size(), 1u) << "the stack registers its operator";
  const std::string account = op[0][0].as<std::string>();
  Sql("UPDATE governance.parameters SET value = '200000'::jsonb "
      "WHERE key = 'audit.disqualifySlashPpm'");
  {
    grpc::ClientContext ctx;
    gov::GrantRequest grant;
    grant.set_actor_id(account);
    grant.set_actor_is_admin(true);
    grant.set_account_id(account);
    grant.set_amount(kStake);
    grant.set_reason("stake for the audit test");
    gov::GrantResponse granted;
    ASSERT_TRUE(Governance()->Grant(&ctx, grant, &granted).ok());
    grpc::ClientContext ctx2;
    gov::StakeRequest stake;
    stake.set_account_id(account);
    stake.set_amount(kStake);
    gov::StakeResponse staked;
    ASSERT_TRUE(Governance()->Stake(&ctx2, stake, &staked).ok());
  }
  const int64_t staked_before = Staked(account);
  ASSERT_GE(staked_before, kStake);

  std::map<std::string, std::string> files;  // id -> bytes
  for (size_t size : {size_t{9} << 20, size_t{300} << 10, size_t{1} << 20}) {
    const std::string data = crypto::RandomBytes(size).value();
    const std::string id = Upload("audit-owner", absl::StrCat("audit/", size), data);
    ASSERT_FALSE(id.empty());
    files[id] = data;
  }
  const std::string victim = NodeId(kVictim);
  ASSERT_EQ(victim.size(), 64u);
  const std::string on_victim = "SELECT count(*) FROM files.shards WHERE node_id = $1";
  ASSERT_GT(Sql(on_victim, victim)[0][0].as<int>(), 0);
  // Audits run on healthy data first: every node passes them.
  ASSERT_TRUE(WaitFor(
      [&] {
        return Sql("SELECT count(*) FROM governance.node_reputation WHERE audits_success > 0")[0][0]
                   .as<int>() == kChunkStores;
      },
      kWait))
      << "audits never reached governance";

  const int corrupted = CorruptEveryShard(kVictim);
  ASSERT_GT(corrupted, 0);
  const int shards_on_victim = Sql(on_victim, victim)[0][0].as<int>();
  const std::string reputation =
      "SELECT disqualified_at IS NOT NULL, score, audits_failed FROM governance.node_reputation "
      "WHERE node_id = $1";
  EXPECT_TRUE(WaitFor([&] { return Sql(reputation, victim)[0][0].as<bool>(); }, kWait))
      << "score " << Sql(reputation, victim)[0][1].as<double>() << " after "
      << Sql(reputation, victim)[0][2].as<int>() << " failed audits";
  const double score = Sql(reputation, victim)[0][1].as<double>();
  EXPECT_LT(score, 0.96);
  // Nobody else was blamed: the bad stripe was named each time.
  pqxx::result others =
      Sql("SELECT count(*), min(score), max(audits_failed) FROM governance.node_reputation "
          "WHERE node_id <> $1 AND disqualified_at IS NULL",
          victim);
  EXPECT_EQ(others[0][0].as<int>(), kChunkStores - 1);
  EXPECT_DOUBLE_EQ(others[0][1].as<double>(), 1.0);
  EXPECT_EQ(others[0][2].as<int>(), 0);

  // The operator lost 20% of its stake, once.
  EXPECT_EQ(Staked(account), staked_before - staked_before / 5);
  EXPECT_EQ(Sql("SELECT count(*) FROM governance.ledger_transactions WHERE idempotency_key = $1",
                "disqualify/" + victim)[0][0]
                .as<int>(),
            1);

  // file-ingest learned of it and moved every shard off the node.
  EXPECT_TRUE(WaitFor(
      [&] {
        return Sql("SELECT count(*) FROM files.disqualified_nodes WHERE node_id = $1", victim)[0][0]
                       .as<int>() == 1 &&
               Sql(on_victim, victim)[0][0].as<int>() == 0;
      },
      kWait))
      << Sql(on_victim, victim)[0][0].as<int>() << " shards still on the disqualified node";
  for (const auto& [id, data] : files) EXPECT_TRUE(Download("audit-owner", id) == data) << id;
  // The disqualified node stays final: audits of its last shards and the repair change nothing.
  EXPECT_EQ(Staked(account), staked_before - staked_before / 5);
  std::cout << corrupted << " shard files corrupted; disqualified at score " << score << " after "
            << Sql(reputation, victim)[0][2].as<int>() << " failed audits; slashed "
            << staked_before / 5 << " of " << staked_before << " micro-tokens; " << shards_on_victim
            << " manifest shards repaired off the node\n";
}

}  // namespace
}  // namespace datamesh
