// Segments that do not wait for their slowest shard write (LateShards), shards no node took
// (kMissing), and reads that do not wait for a stalled node, through the real upload and
// download pipelines with fakes at the storage seams.
#include "services/file-ingest/late_shards.h"

#include <gtest/gtest.h>

#include <atomic>

#include "services/file-ingest/download_pipeline.h"
#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/upload_pipeline.h"
#include "shared/crypto/random.h"
#include "shared/status/status.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/wait_for.h"

namespace datamesh::file_ingest {
namespace {

constexpr uint64_t kLateTestSegment = 4096;

// What LateShards was asked to record.
struct Recorded {
  std::mutex mu;
  std::vector<SettledShard> settled;
  int missing_calls = 0;
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return settled.size();
  }
};

class LateShardsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    codec_ = std::move(erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2).value());
    key_ = std::move(crypto::SecretBytes::Random(32).value());
    options_.segment_bytes = kLateTestSegment;
    options_.inline_max_bytes = 100;
    options_.late_shard_grace = absl::Milliseconds(20);
    data_ = crypto::RandomBytes(3 * kLateTestSegment).value();
  }

  // Writes still hanging must end before the store goes.
  void TearDown() override {
    for (int i = 0; i < 8; ++i) store_.Release("node-" + std::to_string(i));
    EXPECT_TRUE(testing::WaitFor([&] { return store_.hung() == 0; }, absl::Seconds(10)));
  }

  std::unique_ptr<LateShards> MakeLate(uint64_t budget) {
    return std::make_unique<LateShards>(
        budget,
        [this](const std::vector<SettledShard>& s) {
          std::lock_guard<std::mutex> lock(recorded_.mu);
          recorded_.settled.insert(recorded_.settled.end(), s.begin(), s.end());
          return absl::OkStatus();
        },
        [this] {
          std::lock_guard<std::mutex> lock(recorded_.mu);
          ++recorded_.missing_calls;
        });
  }

  absl::StatusOr<UploadOutcome> Upload(Placement& placement, LateShards* late,
                                       std::vector<LateWrite>* late_writes = nullptr) {
    UploadPipeline p(options_, *codec_, placement, store_, {"content-1", "abcd", &key_}, false,
                     late);
    RETURN_IF_ERROR(p.Write(data_));
    auto out = p.Finish();
    std::vector<LateWrite> writes = p.TakeLateWrites();
    if (late_writes != nullptr) *late_writes = std::move(writes);
    return out;
  }

  // Downloads the whole content from `segments`; compares with what was uploaded.
  void ExpectDownloadsIdentical(const UploadOutcome& out) {
    ContentRecord content;
    content.id = "content-1";
    content.nonce_prefix = "abcd";
    content.size = out.size;
    content.sha256 = out.sha256;
    content.codec_id = std::string(codec_->id());
    SegmentReader reader(*codec_, store_, content, key_, out.segments.size(), read_grace_);
    std::string got;
    ASSERT_OK(StreamRange(reader, content, out.segments, 0, out.size, 2, 1000,
                          [&](std::string_view chunk) {
                            got.append(chunk);
                            return absl::OkStatus();
                          }));
    EXPECT_TRUE(got == data_) << "downloaded bytes differ";
  }

  std::unique_ptr<erasure::ErasureCodec> codec_;
  crypto::SecretBytes key_;
  PipelineOptions options_;
  FakeShardStore store_;
  std::string data_;
  Recorded recorded_;
  absl::Duration read_grace_ = absl::InfiniteDuration();
};

TEST_F(LateShardsTest, ASlowNodeDoesNotHoldBackTheSegmentsAndItsWritesLandLater) {
  FakePlacement six(6);
  store_.Hang("node-5");
  auto late = MakeLate(64 << 20);
  std::vector<LateWrite> writes;
  auto out = Upload(six, late.get(), &writes);
  ASSERT_OK(out);
  ASSERT_EQ(out->segments.size(), 3u);
  for (const SegmentRecord& seg : out->segments) {
    for (const ShardRecord& s : seg.shards) {
      EXPECT_EQ(s.state, s.node.id == "node-5" ? ShardState::kWriting : ShardState::kStored)
          << "segment " << seg.index << " shard " << s.index;
    }
  }
  ASSERT_EQ(writes.size(), 3u);  // one per segment, each on node-5
  EXPECT_GT(late->held_bytes(), 0u);
  // Readable at once from the five stored shards.
  ExpectDownloadsIdentical(*out);

  // The upload is told once, when the last of its writes is recorded.
  std::atomic<int> told{0};
  std::atomic<uint64_t> told_stored{0}, told_missing{0};
  late->Settle(std::move(writes), [&](uint64_t stored, uint64_t missing) {
    told_stored = stored;
    told_missing = missing;
    ++told;
  });
  EXPECT_EQ(told.load(), 0);  // node-5 still hangs
  store_.Release("node-5");
  ASSERT_TRUE(testing::WaitFor([&] { return recorded_.size() == 3; }, absl::Seconds(10)));
  ASSERT_TRUE(testing::WaitFor([&] { return told.load() == 1; }, absl::Seconds(10)));
  EXPECT_EQ(told_stored.load(), 3u);
  EXPECT_EQ(told_missing.load(), 0u);
  for (const SettledShard& s : recorded_.settled) {
    EXPECT_TRUE(s.written);
    EXPECT_EQ(s.node_id, "node-5");
    EXPECT_EQ(s.content_id, "content-1");
    const ShardRecord& rec = out->segments[s.segment_index].shards[s.shard_index];
    EXPECT_TRUE(store_.Holds("node-5", rec.shard_id));
  }
  EXPECT_EQ(recorded_.missing_calls, 0);
  EXPECT_TRUE(testing::WaitFor([&] { return late->held_bytes() == 0; }, absl::Seconds(10)));
}

// A segment's block stays in memory until its last late write ends, and so does its charge
// on the segment budget: every encoded byte in flight is counted there.
TEST_F(LateShardsTest, LateWritesHoldTheirSegmentsBudgetUntilTheyEnd) {
  FakePlacement six(6);
  store_.Hang("node-5");
  SegmentBudget budget(1 << 30);
  options_.budget = &budget;
  auto late = MakeLate(64 << 20);
  std::vector<LateWrite> writes;
  ASSERT_OK(Upload(six, late.get(), &writes));
  ASSERT_EQ(writes.size(), 3u);
  // Each segment's charge shrank to its shard block, which its late write keeps.
  EXPECT_GT(budget.held(), 0u);
  EXPECT_EQ(budget.held(), late->held_bytes());
  late->Settle(std::move(writes));
  store_.Release("node-5");
  ASSERT_TRUE(testing::WaitFor([&] { return recorded_.size() == 3; }, absl::Seconds(10)));
  EXPECT_TRUE(testing::WaitFor([&] { return budget.held() == 0; }, absl::Seconds(10)));
}

TEST_F(LateShardsTest, AFailedLateWriteIsRecordedMissingAndAsksForRepair) {
  FakePlacement six(6);
  store_.Hang("node-5");
  auto late = MakeLate(64 << 20);
  std::vector<LateWrite> writes;
  ASSERT_OK(Upload(six, late.get(), &writes));
  ASSERT_FALSE(writes.empty());
  std::atomic<uint64_t> told_missing{0};
  late->Settle(writes, [&](uint64_t, uint64_t missing) { told_missing = missing; });
  // The node fails the writes instead of finishing them.
  store_.Kill("node-5");
  for (LateWrite& w : writes) w.puts->Cancel(w.shard);
  ASSERT_TRUE(
      testing::WaitFor([&] { return recorded_.size() == writes.size(); }, absl::Seconds(10)));
  for (const SettledShard& s : recorded_.settled) EXPECT_FALSE(s.written);
  EXPECT_GE(recorded_.missing_calls, 1);
  EXPECT_TRUE(
      testing::WaitFor([&] { return told_missing.load() == writes.size(); }, absl::Seconds(10)));
}

TEST_F(LateShardsTest, WithTheBudgetSpentASlowWriteIsCancelledAndPlacedElsewhere) {
  FakePlacement seven(7);  // node-6 is free for the re-placed shards
  store_.Hang("node-0");
  auto late = MakeLate(0);
  std::vector<LateWrite> writes;
  auto out = Upload(seven, late.get(), &writes);
  ASSERT_OK(out);
  EXPECT_TRUE(writes.empty());
  for (const SegmentRecord& seg : out->segments) {
    for (const ShardRecord& s : seg.shards) {
      EXPECT_EQ(s.state, ShardState::kStored);
      EXPECT_NE(s.node.id, "node-0");
    }
  }
  EXPECT_EQ(store_.hung(), 0);  // every cancelled write has ended
  ExpectDownloadsIdentical(*out);
}

TEST_F(LateShardsTest, WithoutLateShardsASegmentWaitsForEveryWrite) {
  FakePlacement six(6);
  store_.Hang("node-5");
  std::thread release([&] {
    ASSERT_TRUE(testing::WaitFor([&] { return store_.hung() > 0; }, absl::Seconds(10)));
    absl::SleepFor(absl::Milliseconds(100));
    store_.Release("node-5");
  });
  auto out = Upload(six, nullptr);
  release.join();
  ASSERT_OK(out);
  for (const SegmentRecord& seg : out->segments) {
    for (const ShardRecord& s : seg.shards) EXPECT_EQ(s.state, ShardState::kStored);
  }
}

TEST_F(LateShardsTest, AShardNoNodeTakesIsRecordedMissingWithoutANode) {
  FakePlacement six(6);
  options_.put_attempts = 1;  // no second placement
  store_.Kill("node-5");
  auto out = Upload(six, nullptr);
  ASSERT_OK(out);  // five shards on five nodes survive one more loss
  for (const SegmentRecord& seg : out->segments) {
    const ShardRecord& last = seg.shards[5];
    EXPECT_EQ(last.state, ShardState::kMissing);
    EXPECT_TRUE(last.node.id.empty());
    EXPECT_TRUE(last.node.address.empty());
  }
  const int gets_before = store_.gets();
  ExpectDownloadsIdentical(*out);
  EXPECT_EQ(store_.gets() - gets_before, 3 * 4);  // data shards only: nothing asked of no node
}

// A node that answers no read (stopped): after the read grace its data shard is read from
// parity instead, and no read is left running.
TEST_F(LateShardsTest, AStalledReadIsReplacedByParityAfterTheGrace) {
  FakePlacement six(6);
  auto out = Upload(six, nullptr);
  ASSERT_OK(out);
  store_.HangReads("node-0");  // holds data shard 0 of every segment
  read_grace_ = absl::Milliseconds(50);
  ExpectDownloadsIdentical(*out);
  EXPECT_EQ(store_.hung(), 0);
}

// Every read slow (a busy machine): nothing is left to read instead, so the reader waits for
// them rather than cancelling its way to a failure.
TEST_F(LateShardsTest, WhenEveryReadIsSlowTheReaderWaitsRatherThanFails) {
  FakePlacement six(6);
  auto out = Upload(six, nullptr);
  ASSERT_OK(out);
  for (int i = 0; i < 6; ++i) store_.HangReads("node-" + std::to_string(i));
  read_grace_ = absl::Milliseconds(20);
  std::thread release([&] {
    absl::SleepFor(absl::Milliseconds(200));
    for (int i = 0; i < 6; ++i) store_.Release("node-" + std::to_string(i));
  });
  ExpectDownloadsIdentical(*out);
  release.join();
}

// Two nodes down and a third slow: the slow read is the segment's last chance, so it is waited
// for, not cancelled (cancelling it would leave fewer than k shards).
TEST_F(LateShardsTest, ASlowReadTheSegmentNeedsIsNotCancelled) {
  FakePlacement six(6);
  auto out = Upload(six, nullptr);
  ASSERT_OK(out);
  store_.Kill("node-0");
  store_.Kill("node-1");
  store_.HangReads("node-2");
  read_grace_ = absl::Milliseconds(20);
  std::thread release([&] {
    absl::SleepFor(absl::Milliseconds(200));
    store_.Release("node-2");
  });
  ExpectDownloadsIdentical(*out);
  release.join();
}

TEST(LateShardsBudgetTest, ReservationsHoldTheBudgetUntilReleased) {
  LateShards late(
      100, [](const std::vector<SettledShard>&) { return absl::OkStatus(); }, nullptr);
  auto a = late.Reserve(60);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(late.Reserve(50), nullptr);
  auto b = late.Reserve(40);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(late.held_bytes(), 100u);
  a.reset();
  EXPECT_EQ(late.held_bytes(), 40u);
  EXPECT_NE(late.Reserve(60), nullptr);  // released again at once (not kept)
  EXPECT_EQ(late.held_bytes(), 40u);
}

}  // namespace
}  // namespace datamesh::file_ingest
