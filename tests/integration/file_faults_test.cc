// The data path under load and faults, on the whole local stack (real NATS, PostgreSQL, Redis,
// dht, file-ingest and seven chunk-stores): a 100 MiB round trip with ranges across segment
// boundaries, 20 concurrent clients, deduplication, a full chunk-store being skipped, and two
// chunk-stores SIGKILLed while every earlier file still downloads byte-identical -- twice, with
// full redundancy (each shard on its own node) restored in between.
//
// Seven chunk-stores, not six: with RS 4+2 a seventh keeps six distinct writable nodes while
// one node is full, so those uploads get full spread (with six they would be degraded writes,
// two shards of a segment on one node; degraded_writes_test.cc covers that).
//
// File content is a deterministic function of (seed, offset), so uploads are generated and
// downloads verified chunk by chunk without holding a file in memory. Tests run in declaration
// order and the last ones kill chunk-stores; every committed file is recorded for them.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "datamesh/chunk/v1/chunk.grpc.pb.h"
#include "datamesh/dht/v1/dht.grpc.pb.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/hash.h"
#include "shared/crypto/x25519.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"

namespace datamesh {
namespace {

using ::datamesh::testing::RunCommand;
using ::datamesh::testing::TestStack;
using ::datamesh::testing::WaitFor;
using file::v1::FileService;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kSeg = 4 * kMiB;  // file-ingest's default --segment-bytes
constexpr int kChunkStores = 7;
constexpr int kShardsPerSegment = 6;  // RS 4+2, file-ingest's default

uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Bytes [offset, offset + size) of the pseudo-random content named by `seed`.
std::string Pattern(uint64_t seed, uint64_t offset, uint64_t size) {
  std::string out(size, '\0');
  const uint64_t base = SplitMix(seed);
  for (uint64_t i = 0; i < size; ++i) {
    const uint64_t pos = offset + i;
    out[i] = static_cast<char>(SplitMix(base + pos / 8) >> (8 * (pos % 8)));
  }
  return out;
}

std::string Sha256HexOf(uint64_t seed, uint64_t size) {
  auto hasher = crypto::Sha256Hasher::Create().value();
  for (uint64_t at = 0; at < size; at += kMiB)
    hasher.Update(Pattern(seed, at, std::min(kMiB, size - at)));
  return crypto::HexEncode(crypto::AsStringView(hasher.Finish().value()));
}

struct StoredFile {
  std::string owner;
  std::string id;
  uint64_t seed = 0;
  uint64_t size = 0;
};

template <typename Stub>
std::unique_ptr<typename Stub::Stub> NewStub(const std::string& address) {
  return Stub::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

class FileFaultsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = TestStack::Start({.services = true, .chunk_stores = kChunkStores});
    ASSERT_OK(stack);
    stack_ = stack->release();
    auto key = crypto::X25519PrivateKey::Generate();
    ASSERT_OK(key);
    public_key_ = key->public_key();
    private_key_ = std::string(key->ToBytes().value().view());
    // Uploads need k + m nodes; wait until dht has heard every chunk-store.
    ASSERT_TRUE(WaitFor([] { return UpNodes().size() == kChunkStores; }, absl::Seconds(60)))
        << "dht lists " << UpNodes().size() << " nodes up";
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    files_ = NewStub<FileService>(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"));
  }

  static std::vector<dht::v1::Node> UpNodes() {
    auto dht = NewStub<dht::v1::DhtService>(stack_->Env("DM_DHT_GRPC_ADDR"));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    dht::v1::ListNodesRequest req;
    req.set_state(dht::v1::NODE_STATE_UP);
    req.mutable_page()->set_limit(1000);
    dht::v1::ListNodesResponse resp;
    if (!dht->ListNodes(&ctx, req, &resp).ok()) return {};
    return {resp.nodes().begin(), resp.nodes().end()};
  }

  static grpc::Status UploadOnce(FileService::Stub& stub, const StoredFile& f,
                                 const std::string& name,
                                 const std::optional<std::string>& expected_sha256,
                                 file::v1::UploadResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(300));
    auto writer = stub.Upload(&ctx, resp);
    file::v1::UploadRequest req;
    req.mutable_header()->set_owner_id(f.owner);
    req.mutable_header()->set_name(name);
    req.mutable_header()->set_owner_public_key(public_key_);
    req.mutable_header()->set_declared_size(f.size);
    if (expected_sha256) req.mutable_header()->set_expected_sha256(*expected_sha256);
    bool open = writer->Write(req);
    for (uint64_t at = 0; open && at < f.size; at += kMiB) {
      file::v1::UploadRequest chunk;
      chunk.set_chunk(Pattern(f.seed, at, std::min(kMiB, f.size - at)));
      open = writer->Write(chunk);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // Uploads (retrying while UNAVAILABLE: a node that just stopped may still be placed on) and
  // records the committed file; an empty id on failure.
  StoredFile Upload(const std::string& owner, const std::string& name, uint64_t seed, uint64_t size,
                    std::optional<std::string> expected_sha256 = std::nullopt) {
    return Upload(*files_, owner, name, seed, size, std::move(expected_sha256));
  }
  static StoredFile Upload(FileService::Stub& stub, const std::string& owner,
                           const std::string& name, uint64_t seed, uint64_t size,
                           std::optional<std::string> expected_sha256 = std::nullopt) {
    StoredFile f{owner, "", seed, size};
    file::v1::UploadResponse resp;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    grpc::Status s = UploadOnce(stub, f, name, expected_sha256, &resp);
    while (s.error_code() == grpc::StatusCode::UNAVAILABLE && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(200));
      s = UploadOnce(stub, f, name, expected_sha256, &resp);
    }
    EXPECT_TRUE(s.ok()) << name << " (" << size << " B): " << s.error_code() << " "
                        << s.error_message();
    if (!s.ok()) return f;
    EXPECT_EQ(resp.file().size(), size) << name;
    EXPECT_EQ(resp.file().sha256(), Sha256HexOf(seed, size)) << name;
    f.id = resp.file().id();
    std::lock_guard<std::mutex> lock(stored_mu_);
    stored_.push_back(f);
    return f;
  }

  // Downloads [offset, offset + length) and compares every byte (and, for whole files, the
  // SHA-256) with the content the file was generated from.
  ::testing::AssertionResult DownloadMatches(const StoredFile& f, uint64_t offset = 0,
                                             std::optional<uint64_t> length = std::nullopt) {
    return DownloadMatches(*files_, f, offset, length);
  }
  static ::testing::AssertionResult DownloadMatches(FileService::Stub& stub, const StoredFile& f,
                                                    uint64_t offset = 0,
                                                    std::optional<uint64_t> length = std::nullopt) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(300));
    file::v1::DownloadRequest req;
    req.set_owner_id(f.owner);
    req.set_file_id(f.id);
    req.set_offset(offset);
    if (length) req.set_length(*length);
    req.set_private_key(private_key_);
    const uint64_t want = std::min(length.value_or(f.size), f.size - std::min(offset, f.size));
    auto hasher = crypto::Sha256Hasher::Create().value();
    auto reader = stub.Download(&ctx, req);
    file::v1::DownloadResponse msg;
    uint64_t got = 0;
    std::string where = absl::StrCat("file ", f.id, " size ", f.size, " range [", offset, "+");
    absl::StrAppend(&where, want, "): ");
    std::string error;
    for (bool first = true; error.empty() && reader->Read(&msg); first = false) {
      const std::string& chunk = msg.chunk();
      const std::string expected = Pattern(f.seed, offset + got, chunk.size());
      if (first && msg.header().length() != want) {
        error = absl::StrCat("header says ", msg.header().length(), " bytes");
      } else if (got + chunk.size() > want) {
        error = absl::StrCat("more than ", want, " bytes");
      } else if (chunk != expected) {
        auto at = std::mismatch(chunk.begin(), chunk.end(), expected.begin()).first;
        error = absl::StrCat("bytes differ at offset ", offset + got + (at - chunk.begin()));
      }
      hasher.Update(chunk);
      got += chunk.size();
    }
    if (!error.empty()) ctx.TryCancel();
    grpc::Status s = reader->Finish();
    if (!error.empty()) return ::testing::AssertionFailure() << where << error;
    if (!s.ok()) {
      return ::testing::AssertionFailure() << where << s.error_code() << " " << s.error_message();
    }
    if (got != want) return ::testing::AssertionFailure() << where << "got " << got << " bytes";
    if (offset == 0 && want == f.size &&
        crypto::HexEncode(crypto::AsStringView(hasher.Finish().value())) !=
            Sha256HexOf(f.seed, f.size)) {
      return ::testing::AssertionFailure() << where << "SHA-256 differs";
    }
    return ::testing::AssertionSuccess();
  }

  static std::string StoreAddr(int store) {
    return stack_->Env(absl::StrCat("DM_CHUNK_STORE_", store, "_GRPC_ADDR"));
  }
  static chunk::v1::StatsResponse Stats(int store) {
    grpc::ClientContext ctx;
    chunk::v1::StatsResponse resp;
    grpc::Status s = NewStub<chunk::v1::ChunkService>(StoreAddr(store))
                         ->Stats(&ctx, chunk::v1::StatsRequest(), &resp);
    EXPECT_TRUE(s.ok()) << "Stats of chunk-store-" << store << ": " << s.error_message();
    return resp;
  }
  // Every shard id chunk-store `store` holds.
  static std::set<std::string> ShardIds(int store) {
    auto stub = NewStub<chunk::v1::ChunkService>(StoreAddr(store));
    std::set<std::string> ids;
    chunk::v1::ListShardsRequest req;
    req.set_limit(10000);
    chunk::v1::ListShardsResponse resp;
    do {
      grpc::ClientContext ctx;
      grpc::Status s = stub->ListShards(&ctx, req, &resp);
      EXPECT_TRUE(s.ok()) << "ListShards of chunk-store-" << store << ": " << s.error_message();
      if (!s.ok()) break;
      for (const auto& shard : resp.shards()) ids.insert(shard.shard_id());
      req.set_cursor(resp.next_cursor());
    } while (resp.has_next_cursor());
    return ids;
  }
  // "<store>/<shard id>" for every shard on every chunk-store.
  static std::set<std::string> AllShards() {
    std::set<std::string> all;
    for (int i = 1; i <= kChunkStores; ++i) {
      for (const std::string& id : ShardIds(i)) all.insert(absl::StrCat(i, "/", id));
    }
    return all;
  }

  static absl::Status Kill(int store) {
    return stack_->Devstack(absl::StrCat("kill-instance chunk-store-", store)).status();
  }
  // Starts a killed chunk-store again (same ports, folder, node id) with `args` appended.
  // TestStack::Devstack appends --dir last, where `--` would hand it to the binary; so the
  // script is called directly here.
  static absl::Status Restart(int store, const std::string& args = "") {
    return RunCommand(absl::StrCat(TestStack::SourceDir(),
                                   "/tools/devstack/devstack start-instance --dir '", stack_->dir(),
                                   "' --bin '", TestStack::BinaryDir(), "/bin' chunk-store-", store,
                                   args.empty() ? "" : " -- ", args))
        .status();
  }

  // Kills chunk-stores a and b, checks every stored file downloads byte-identical, and starts
  // them again. With `await_repair`, first waits until dht declares them down and repair has
  // left no segment at risk: segments that lost two shards (k left) are rebuilt at once, while
  // those that lost one wait for the stores to come back (file-ingest's --repair-down-grace).
  static void KillVerifyRestart(int a, int b, bool await_repair = false) {
    std::vector<StoredFile> files;
    {
      std::lock_guard<std::mutex> lock(stored_mu_);
      files = stored_;
    }
    SCOPED_TRACE(absl::StrCat("chunk-store-", a, " and chunk-store-", b, " killed"));
    EXPECT_FALSE(ShardIds(a).empty());
    EXPECT_FALSE(ShardIds(b).empty());
    const std::set<std::string> gone = {Stats(a).node_id(), Stats(b).node_id()};
    ASSERT_OK(Kill(a));
    ASSERT_OK(Kill(b));
    auto stub = NewStub<FileService>(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"));
    for (const StoredFile& f : files) EXPECT_TRUE(DownloadMatches(*stub, f)) << f.owner;
    if (await_repair) {
      EXPECT_TRUE(WaitFor(
          [&] {
            for (const auto& n : UpNodes()) {
              if (gone.count(n.id())) return false;
            }
            return true;
          },
          absl::Seconds(60)))
          << "dht never declared the killed stores down";
      EXPECT_TRUE(EveryFileBecomes([](const auto& h) {
        return h.min_node_losses_tolerated() >= 1;
      })) << "repair left a segment at risk";
      for (const StoredFile& f : files) EXPECT_TRUE(DownloadMatches(*stub, f)) << f.owner;
    }
    EXPECT_OK(Restart(a));
    EXPECT_OK(Restart(b));
  }
  static double ReadBytes(int store) {
    auto metrics = RunCommand(absl::StrCat(
        "curl -sf http://", stack_->Env(absl::StrCat("DM_CHUNK_STORE_", store, "_METRICS_ADDR")),
        "/metrics | grep '^datamesh_chunk_store_read_bytes_total' | awk '{s += $2} END {print "
        "s+0}'"));
    return metrics.ok() ? std::atof(metrics->c_str()) : -1;
  }
  // "" when `good` holds for the GetHealth answer of every stored file; otherwise the first
  // file for which it does not, and its health.
  static std::string FirstFileNot(
      const std::function<bool(const file::v1::GetHealthResponse&)>& good) {
    auto stub = NewStub<FileService>(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"));
    std::lock_guard<std::mutex> lock(stored_mu_);
    for (const StoredFile& f : stored_) {
      grpc::ClientContext ctx;
      file::v1::GetHealthRequest req;
      req.set_owner_id(f.owner);
      req.set_file_id(f.id);
      file::v1::GetHealthResponse health;
      grpc::Status s = stub->GetHealth(&ctx, req, &health);
      if (!s.ok()) return absl::StrCat(f.id, ": ", s.error_message());
      if (!good(health)) {
        return absl::StrCat(f.id, " is ", health.state(), " with ",
                            health.min_healthy_per_segment(),
                            " live shards in a segment, surviving ",
                            health.min_node_losses_tolerated(), " node losses");
      }
    }
    return "";
  }
  // Waits until `good` holds for every stored file; reports the last file that did not.
  static ::testing::AssertionResult EveryFileBecomes(
      const std::function<bool(const file::v1::GetHealthResponse&)>& good) {
    std::string bad;
    if (WaitFor([&] { return (bad = FirstFileNot(good)).empty(); }, absl::Seconds(180))) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << bad;
  }

  // Reads one byte of every segment of every stored file until each store in `stores` has
  // served shard bytes again (each segment decodes from its data shards, spread over most
  // stores).
  static bool WaitUntilRead(const std::vector<int>& stores, absl::Duration timeout) {
    auto stub = NewStub<FileService>(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"));
    std::vector<StoredFile> files;
    {
      std::lock_guard<std::mutex> lock(stored_mu_);
      files = stored_;
    }
    std::map<int, double> start;
    for (int s : stores) start[s] = ReadBytes(s);
    return WaitFor(
        [&] {
          for (const StoredFile& f : files) {
            for (uint64_t at = 0; at < f.size; at += kSeg) {
              EXPECT_TRUE(DownloadMatches(*stub, f, at, 1));
            }
          }
          for (int s : stores) {
            if (ReadBytes(s) <= start[s]) return false;
          }
          return true;
        },
        timeout);
  }

  static inline TestStack* stack_ = nullptr;
  static inline std::string public_key_;
  static inline std::string private_key_;
  static inline std::mutex stored_mu_;
  static inline std::vector<StoredFile> stored_;  // every committed file, for the last test
  std::unique_ptr<FileService::Stub> files_;
};

TEST_F(FileFaultsTest, HundredMebibytesRoundTripByteIdenticalWithRanges) {
  StoredFile f = Upload("big-owner", "big/100mib", 1001, 100 * kMiB);
  ASSERT_FALSE(f.id.empty());
  EXPECT_TRUE(DownloadMatches(f));
  // Starts and ends at 4 MiB - 1, 4 MiB and 4 MiB + 1.
  for (uint64_t edge : {kSeg - 1, kSeg, kSeg + 1}) {
    EXPECT_TRUE(DownloadMatches(f, edge, 2));
    EXPECT_TRUE(DownloadMatches(f, edge, kSeg));
    EXPECT_TRUE(DownloadMatches(f, edge - 100, 100));
  }
  EXPECT_TRUE(DownloadMatches(f, kSeg - 3, kSeg + 6));           // segments 0, 1 and 2
  EXPECT_TRUE(DownloadMatches(f, 13 * kSeg - 1, 2 * kSeg + 2));  // segments 12 to 15
  EXPECT_TRUE(DownloadMatches(f, f.size - kSeg - 1));            // the last boundary, to the end
  EXPECT_TRUE(DownloadMatches(f, f.size - 1, 1000));             // clamped to the last byte
}

TEST_F(FileFaultsTest, TwentyConcurrentClientsMixedSizes) {
  constexpr uint64_t kSizes[] = {0, 1, 4096, 4097, kMiB, 5 * kMiB};
  constexpr int kClients = 20;
  std::vector<std::vector<StoredFile>> mine(kClients);
  std::vector<std::thread> clients;
  std::mutex mu;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // A channel of its own per client.
      auto stub = NewStub<FileService>(stack_->Env("DM_FILE_INGEST_GRPC_ADDR"));
      for (int n = 0; n < 2; ++n) {
        const uint64_t size = kSizes[(c + 3 * n) % 6];
        StoredFile f = Upload(*stub, "mixed-owner", absl::StrCat("mixed/", c, "/", n),
                              2000 + 10 * c + n, size);
        if (f.id.empty()) continue;
        EXPECT_TRUE(DownloadMatches(*stub, f)) << "client " << c;
        if (size > 2) {
          EXPECT_TRUE(DownloadMatches(*stub, f, size / 2 - 1, 3)) << "client " << c;
        }
        std::lock_guard<std::mutex> lock(mu);
        mine[c].push_back(f);
      }
    });
  }
  for (auto& t : clients) t.join();
  std::set<std::string> uploaded;
  for (const auto& files : mine) {
    for (const StoredFile& f : files) uploaded.insert(f.id);
  }
  EXPECT_EQ(uploaded.size(), 2u * kClients);
  std::multiset<std::string> listed;
  file::v1::ListRequest req;
  req.set_owner_id("mixed-owner");
  req.mutable_page()->set_limit(7);
  file::v1::ListResponse resp;
  do {
    grpc::ClientContext ctx;
    grpc::Status s = files_->List(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const auto& f : resp.files()) listed.insert(f.id());
    req.mutable_page()->set_cursor(resp.next_cursor());
  } while (resp.has_next_cursor());
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), uploaded);
  EXPECT_EQ(listed.size(), uploaded.size()) << "List repeated a file";
}

TEST_F(FileFaultsTest, SameOwnerSameContentWritesNoNewShards) {
  const uint64_t size = 2 * kSeg + 123;
  StoredFile first = Upload("dedup-owner", "dedup/first", 3001, size);
  ASSERT_FALSE(first.id.empty());
  const std::set<std::string> before = AllShards();
  ASSERT_GE(before.size(), 3u * kShardsPerSegment) << "the first upload's shards are missing";

  // Declared SHA-256 of content the owner stores: the body is only hashed.
  StoredFile second = Upload("dedup-owner", "dedup/second", 3001, size, Sha256HexOf(3001, size));
  ASSERT_FALSE(second.id.empty());
  EXPECT_NE(second.id, first.id);
  std::set<std::string> added;
  for (const std::string& s : AllShards()) {
    if (!before.count(s)) added.insert(s);
  }
  EXPECT_TRUE(added.empty()) << added.size() << " new shards, e.g. " << *added.begin();

  // Undeclared: shards are written, then found duplicate at commit and freed.
  StoredFile third = Upload("dedup-owner", "dedup/third", 3001, size);
  ASSERT_FALSE(third.id.empty());
  bool freed = WaitFor(
      [&] {
        for (const std::string& s : AllShards()) {
          if (!before.count(s)) return false;
        }
        return true;
      },
      absl::Seconds(60));
  EXPECT_TRUE(freed) << "shards of the duplicate upload are still held";
  for (const StoredFile& f : {first, second, third}) EXPECT_TRUE(DownloadMatches(f));

  grpc::ClientContext ctx;
  file::v1::GetUsageSummaryRequest req;
  req.set_owner_id("dedup-owner");
  file::v1::GetUsageSummaryResponse usage;
  ASSERT_TRUE(files_->GetUsageSummary(&ctx, req, &usage).ok());
  EXPECT_EQ(usage.file_count(), 3u);
  EXPECT_EQ(usage.logical_bytes(), 3 * size);
  EXPECT_LT(usage.stored_bytes(), 2 * size) << "the content is counted more than once";
}

TEST_F(FileFaultsTest, AFullChunkStoreIsSkipped) {
  constexpr int kFull = 4;
  const std::string node_id = Stats(kFull).node_id();
  ASSERT_FALSE(node_id.empty());
  const std::set<std::string> held = ShardIds(kFull);
  ASSERT_OK(Kill(kFull));
  ASSERT_OK(Restart(kFull, "--capacity-bytes 1"));
  EXPECT_EQ(Stats(kFull).capacity_bytes(), 1u);
  // Its heartbeat carries the new capacity; placement may use it only once dht has it.
  auto dht_sees = [&](bool full) {
    for (const auto& n : UpNodes()) {
      if (n.id() == node_id) return (n.capacity_bytes() == 1) == full;
    }
    return false;
  };
  ASSERT_TRUE(WaitFor([&] { return dht_sees(true); }, absl::Seconds(60)))
      << "dht never listed chunk-store-" << kFull << " up with capacity 1";

  std::set<std::string> before = AllShards();
  std::vector<StoredFile> files;
  uint64_t seed = 4001;
  for (uint64_t size : {2 * kSeg + 5, kMiB, uint64_t{4097}}) {
    files.push_back(Upload("full-owner", absl::StrCat("full/", seed), seed, size));
    ++seed;
    ASSERT_FALSE(files.back().id.empty());
  }
  EXPECT_EQ(ShardIds(kFull), held) << "a shard was placed on the full chunk-store";
  size_t added = 0;
  for (const std::string& s : AllShards()) added += before.count(s) ? 0 : 1;
  EXPECT_GE(added, 5u * kShardsPerSegment) << "the new segments' shards are not all stored";
  for (const StoredFile& f : files) EXPECT_TRUE(DownloadMatches(f));

  ASSERT_OK(Kill(kFull));
  ASSERT_OK(Restart(kFull, "--capacity-bytes 0"));  // 0: free disk space, the default
  EXPECT_TRUE(WaitFor([&] { return dht_sees(false); }, absl::Seconds(60)))
      << "dht did not see chunk-store-" << kFull << " with its room back";
}

// The last tests kill chunk-stores: every file stored so far must survive two lost
// chunk-stores (RS 4+2). chunk-store-i is in zone-((i - 1) % 3 + 1).
TEST_F(FileFaultsTest, EveryFileSurvivesTwoKilledChunkStoresInTwoZones) {
  ASSERT_FALSE(Upload("down-owner", "down/file", 5001, 3 * kSeg + 1).id.empty());
  KillVerifyRestart(1, 3, /*await_repair=*/true);
}

TEST_F(FileFaultsTest, EveryFileSurvivesTwoKilledChunkStoresInOneZone) {
  // While chunk-stores 1 and 3 were down, repair rebuilt the segments at risk on the five
  // others, two shards of a segment on one node where it had to. Now that they are back
  // (node.up), those shards must spread out again: otherwise killing two more stores could
  // take three shards of a segment.
  EXPECT_TRUE(EveryFileBecomes([](const auto& h) { return h.state() == "healthy"; }))
      << "full redundancy never came back";
  // Give file-ingest a chance to read from the restarted stores before the next two go down.
  // Not an assertion: after repair and the spread pass a restarted store may hold only parity
  // shards, which downloads do not read while the data shards answer. What matters is checked
  // next: with 2 and 5 down, every file still downloads byte-identical.
  if (!WaitUntilRead({1, 3}, absl::Seconds(30))) {
    std::fprintf(stderr, "note: no download read from chunk-store 1 or 3 after their restart\n");
  }
  KillVerifyRestart(2, 5);
}

}  // namespace
}  // namespace datamesh
