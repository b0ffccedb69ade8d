// The re-encode job's pieces without a database: the throttle's arithmetic, which contents
// need moving, and one segment moved from 4+2 to 3+3 over in-process shard stores.
#include "services/file-ingest/reencode.h"

#include <gtest/gtest.h>

#include <set>

#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/segment_codec.h"
#include "shared/crypto/aead.h"
#include "shared/crypto/random.h"
#include "shared/status/status.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::file_ingest {
namespace {

using ::datamesh::testing::StatusIs;

TEST(ReencodeThrottle, HoldsTheAverageRateFromTheStart) {
  ReencodeThrottle throttle(1000);  // bytes per second
  const absl::Time t0 = absl::FromUnixSeconds(100);
  throttle.Start(t0);
  // 500 bytes done at once: due half a second after the start.
  EXPECT_EQ(throttle.After(500, t0), absl::Milliseconds(500));
  // Done later than due: no wait.
  EXPECT_EQ(throttle.After(500, t0 + absl::Seconds(3)), absl::ZeroDuration());
  // 2000 bytes in total are due at 2 s; a burst at 3 s may go on until 3000 bytes are due.
  EXPECT_EQ(throttle.After(2000, t0 + absl::Seconds(3)), absl::ZeroDuration());
  EXPECT_EQ(throttle.After(1000, t0 + absl::Seconds(3)), absl::Seconds(1));
}

TEST(ReencodeThrottle, ZeroMeansUnthrottled) {
  ReencodeThrottle throttle(0);
  throttle.Start(absl::FromUnixSeconds(0));
  EXPECT_EQ(throttle.After(uint64_t{1} << 40, absl::FromUnixSeconds(0)), absl::ZeroDuration());
}

TEST(Reencode, OnlyContentsOfAnotherShapeNeedIt) {
  auto target = erasure::MakeCodec(erasure::Backend::kJerasure, 3, 3);
  ASSERT_OK(target);
  EXPECT_FALSE(NeedsReencode(3, 3, **target));
  EXPECT_TRUE(NeedsReencode(4, 2, **target));
  EXPECT_TRUE(NeedsReencode(3, 2, **target));
}

// Places on nodes the old shards do not use ("new-0", ...).
class FreshPlacement : public Placement {
 public:
  absl::StatusOr<std::vector<NodeRef>> Place(const std::string&, int n, uint64_t,
                                             const std::vector<std::string>&, bool) override {
    std::vector<NodeRef> out;
    for (int i = 0; i < n; ++i) out.push_back({"new-" + std::to_string(i), "addr"});
    return out;
  }
  absl::StatusOr<std::set<std::string>> UpNodes() override { return std::set<std::string>(); }
};

class SegmentReencoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto old = erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2);
    ASSERT_OK(old);
    old_ = std::move(*old);
    auto target = erasure::SharedCodecForId(old_->id(), 3, 3);
    ASSERT_OK(target);
    target_ = *target;
    auto key = crypto::RandomBytes(32);
    ASSERT_OK(key);
    auto aead = crypto::AesGcm::Create(*key);
    ASSERT_OK(aead);
    aead_.emplace(std::move(*aead));
    auto plain = crypto::RandomBytes(100000);
    ASSERT_OK(plain);
    plain_ = *plain;
    auto seg = EncodeSegment(*aead_, *old_, {"content-1", "pref", 0, true}, plain_, false);
    ASSERT_OK(seg);
    // Shard i of the old shape on node i of six.
    content_ = {"content-1", std::string(old_->id()), 4, 2, {}};
    StoredSegment stored{0, seg->stored_size, seg->block.shard_size(), {}};
    for (int i = 0; i < 6; ++i) {
      NodeRef node{"node-" + std::to_string(i), "addr-" + std::to_string(i)};
      ASSERT_OK(shards_.Put(node, seg->shard_ids[i], seg->block.shard_view(i)));
      stored.shards.push_back({i, seg->shard_ids[i], node, ShardState::kStored});
    }
    content_.segments.push_back(stored);
  }

  // Opens the segment from the first k' new shards read back from the store.
  absl::StatusOr<std::string> OpenNew(const ReencodedSegment& seg) {
    std::string sealed;
    for (int i = 0; i < target_->data_shards(); ++i) {
      std::string shard(seg.shard_size, '\0');
      const ShardRecord& s = seg.shards[i];
      RETURN_IF_ERROR(shards_.GetInto(
          s.node, s.shard_id,
          std::span<uint8_t>(reinterpret_cast<uint8_t*>(shard.data()), shard.size())));
      sealed += shard;
    }
    sealed.resize(SealedSize(content_.segments[0].stored_size));
    return OpenPayload(*aead_, {"content-1", "pref", 0, true}, sealed, false, plain_.size(), "");
  }

  std::unique_ptr<erasure::ErasureCodec> old_;
  const erasure::ErasureCodec* target_ = nullptr;
  std::optional<crypto::AesGcm> aead_;
  std::string plain_;
  StoredContent content_;
  FakeShardStore shards_;
};

TEST_F(SegmentReencoderTest, MovesASegmentToTheNewShapeOnDistinctNodes) {
  FakePlacement placement(7);
  SegmentReencoder reencoder(placement, shards_);
  std::vector<ShardRecord> written;
  auto seg = reencoder.Reencode(content_, content_.segments[0], *target_, &written);
  ASSERT_OK(seg);
  ASSERT_EQ(seg->shards.size(), 6u);
  EXPECT_EQ(seg->shard_size, target_->ShardSize(SealedSize(content_.segments[0].stored_size)));
  std::set<std::string> nodes;
  for (const ShardRecord& s : seg->shards) nodes.insert(s.node.id);
  EXPECT_EQ(nodes.size(), 6u);
  EXPECT_EQ(written.size(), 6u);
  auto opened = OpenNew(*seg);
  ASSERT_OK(opened);
  EXPECT_EQ(*opened, plain_);
}

TEST_F(SegmentReencoderTest, ReadsAroundLostDataShards) {
  shards_.Kill("node-0");
  shards_.Kill("node-2");  // two data shards gone: both parity shards stand in
  FreshPlacement placement;
  SegmentReencoder reencoder(placement, shards_);
  std::vector<ShardRecord> written;
  auto seg = reencoder.Reencode(content_, content_.segments[0], *target_, &written);
  ASSERT_OK(seg);
  auto opened = OpenNew(*seg);
  ASSERT_OK(opened);
  EXPECT_EQ(*opened, plain_);
}

TEST_F(SegmentReencoderTest, AFailedWriteIsUnavailableAndReportsWhatWasWritten) {
  FakePlacement placement(7);
  shards_.FailNextPuts("node-3", 1);
  SegmentReencoder reencoder(placement, shards_);
  std::vector<ShardRecord> written;
  EXPECT_THAT(reencoder.Reencode(content_, content_.segments[0], *target_, &written),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(written.size(), 3u);  // shards 0-2 landed and are the caller's to free
}

TEST_F(SegmentReencoderTest, TooFewNodesForTheNewShapeIsUnavailable) {
  FakePlacement placement(5);  // 3+3 needs six distinct nodes
  SegmentReencoder reencoder(placement, shards_);
  std::vector<ShardRecord> written;
  EXPECT_THAT(reencoder.Reencode(content_, content_.segments[0], *target_, &written),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(written.empty());
}

TEST_F(SegmentReencoderTest, FewerThanKReadableShardsIsDataLoss) {
  for (const char* n : {"node-0", "node-1", "node-4"}) shards_.Kill(n);
  FakePlacement placement(7);
  SegmentReencoder reencoder(placement, shards_);
  std::vector<ShardRecord> written;
  EXPECT_THAT(reencoder.Reencode(content_, content_.segments[0], *target_, &written),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace datamesh::file_ingest
