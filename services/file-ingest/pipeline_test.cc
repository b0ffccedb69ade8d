// The upload and download pipelines end to end in-process, with fakes only at the storage
// seams (placement and shard store).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include "absl/strings/cord.h"
#include "services/file-ingest/download_pipeline.h"
#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/redundancy.h"
#include "services/file-ingest/segment_budget.h"
#include "services/file-ingest/segment_codec.h"
#include "services/file-ingest/shard_intents.h"
#include "services/file-ingest/upload_pipeline.h"
#include "shared/crypto/random.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::file_ingest {
namespace {

using ::datamesh::testing::StatusIs;

constexpr uint64_t kSeg = 4096;

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto codec = erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2);
    ASSERT_OK(codec);
    codec_ = std::move(*codec);
    auto key = crypto::SecretBytes::Random(32);
    ASSERT_OK(key);
    key_ = std::move(*key);
    options_.segment_bytes = kSeg;
    options_.inline_max_bytes = 100;
    options_.segments_in_flight = 3;
  }

  // Uploads `data` in 1000-byte pieces; fills content_ and segments_.
  void Upload(const std::string& data) { Upload(data, placement_); }
  void Upload(const std::string& data, Placement& placement) {
    UploadPipeline p(options_, *codec_, placement, store_, {"content-1", "abcd", &key_}, false);
    for (size_t at = 0; at < data.size(); at += 1000) {
      ASSERT_OK(p.Write(std::string_view(data).substr(at, 1000)));
    }
    auto out = p.Finish();
    ASSERT_OK(out);
    content_ = ContentRecord{};
    content_.id = "content-1";
    content_.nonce_prefix = "abcd";
    content_.size = out->size;
    content_.sha256 = out->sha256;
    content_.codec_id = std::string(codec_->id());
    content_.inline_data = out->inline_sealed;
    content_.inline_compressed = out->inline_compressed;
    segments_ = out->segments;
  }

  absl::StatusOr<std::string> Download(uint64_t offset, uint64_t length) {
    if (content_.inline_data.has_value()) {
      auto plain = OpenInline(content_, key_);
      if (!plain.ok()) return plain.status();
      return plain->substr(offset, length);
    }
    SegmentReader reader(*codec_, store_, content_, key_, segments_.size());
    std::string out;
    absl::Status s = StreamRange(reader, content_, segments_, offset, length, 2, 1000,
                                 [&](std::string_view chunk) {
                                   EXPECT_LE(chunk.size(), 1000u);
                                   out.append(chunk);
                                   return absl::OkStatus();
                                 });
    if (!s.ok()) return s;
    return out;
  }

  // Shards of `seg` per node id.
  static std::map<std::string, uint32_t> PerNode(const SegmentRecord& seg) {
    std::map<std::string, uint32_t> per_node;
    for (const ShardRecord& s : seg.shards) ++per_node[s.node.id];
    return per_node;
  }
  static std::vector<uint32_t> Counts(const std::map<std::string, uint32_t>& per_node) {
    std::vector<uint32_t> counts;
    for (const auto& [node, count] : per_node) counts.push_back(count);
    return counts;
  }

  static std::string Data(size_t n) {
    auto r = crypto::RandomBytes(n);
    return r.ok() ? *r : std::string();
  }

  std::unique_ptr<erasure::ErasureCodec> codec_;
  crypto::SecretBytes key_;
  PipelineOptions options_;
  FakePlacement placement_{8};
  FakeShardStore store_;
  ContentRecord content_;
  std::vector<SegmentRecord> segments_;
};

TEST_F(PipelineTest, RoundTripBoundarySizes) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{101}, size_t{kSeg - 1}, size_t{kSeg},
                   size_t{kSeg + 1}, size_t{10 * kSeg + 7}}) {
    std::string data = Data(n);
    Upload(data);
    EXPECT_EQ(content_.inline_data.has_value(), n <= 100) << n;
    EXPECT_EQ(segments_.size(), n <= 100 ? 0 : (n + kSeg - 1) / kSeg) << n;
    auto back = Download(0, n);
    ASSERT_OK(back);
    EXPECT_EQ(*back, data) << n;
  }
}

TEST_F(PipelineTest, RangesAcrossSegmentBoundaries) {
  std::string data = Data(5 * kSeg + 3);
  Upload(data);
  for (auto [off, len] : std::vector<std::pair<uint64_t, uint64_t>>{{kSeg - 1, 2},
                                                                    {kSeg - 10, 2 * kSeg + 20},
                                                                    {0, 1},
                                                                    {5 * kSeg, 3},
                                                                    {4 * kSeg + 5, kSeg}}) {
    auto back = Download(off, len);
    ASSERT_OK(back);
    EXPECT_EQ(*back, data.substr(off, len)) << off << "+" << len;
  }
}

TEST_F(PipelineTest, ReadsDataShardsOnlyWhenHealthy) {
  Upload(Data(kSeg));
  ASSERT_OK(Download(0, kSeg));
  EXPECT_EQ(store_.gets(), 4);  // k data shards, no parity
}

TEST_F(PipelineTest, HashMismatchAndDeadNodesFallBackToParity) {
  std::string data = Data(3 * kSeg);
  Upload(data);
  store_.Corrupt(segments_[0].shards[1]);       // wrong bytes under a shard id
  store_.Kill(segments_[1].shards[0].node.id);  // a node down
  auto back = Download(0, data.size());
  ASSERT_OK(back);
  EXPECT_EQ(*back, data);
}

// Files keep the codec that wrote them: the manifest records it, and reads use it whichever
// codec new uploads use. The two codecs' parity differs (Cauchy vs Vandermonde matrices), so a
// segment rebuilt from parity with the other codec would not open: that is why it is recorded.
TEST_F(PipelineTest, EachFileIsReadWithTheCodecThatWroteItWhateverTheDefault) {
  if (!erasure::HasBackend(erasure::Backend::kIsaL)) GTEST_SKIP() << "built without ISA-L";
  using erasure::Backend;
  const std::string data = Data(3 * kSeg + 5);
  for (auto [writer, default_now] :
       {std::pair{Backend::kIsaL, Backend::kJerasure}, {Backend::kJerasure, Backend::kIsaL}}) {
    SCOPED_TRACE(erasure::BackendName(writer));
    codec_ = erasure::MakeCodec(writer, 4, 2).value();
    Upload(data);
    content_.data_shards = 4;
    content_.parity_shards = 2;
    ASSERT_EQ(content_.codec_id, codec_->id());
    // Two data shards of every segment lost: every segment is rebuilt from parity.
    for (const SegmentRecord& seg : segments_) {
      store_.Corrupt(seg.shards[0]);
      store_.Corrupt(seg.shards[2]);
    }
    codec_ = erasure::MakeCodec(default_now, 4, 2).value();  // what new uploads use now
    auto recorded = CodecForContent(content_);
    ASSERT_OK(recorded);
    EXPECT_EQ((*recorded)->id(), content_.codec_id);
    std::string out;
    auto append = [&](std::string_view chunk) {
      out.append(chunk);
      return absl::OkStatus();
    };
    SegmentReader reader(**recorded, store_, content_, key_, segments_.size());
    ASSERT_OK(StreamRange(reader, content_, segments_, 0, data.size(), 2, 1000, append));
    EXPECT_EQ(out, data);
    // Decoded with the default codec instead, the rebuilt bytes are wrong and fail to open
    // (or, with Jerasure's finer shard sizes, ISA-L refuses them outright).
    out.clear();
    SegmentReader wrong(*codec_, store_, content_, key_, segments_.size());
    EXPECT_FALSE(StreamRange(wrong, content_, segments_, 0, data.size(), 2, 1000, append).ok());
    EXPECT_NE(out, data);
  }
  content_.codec_id = "rs-of-the-future";
  EXPECT_THAT(CodecForContent(content_), StatusIs(absl::StatusCode::kInternal));
}

TEST_F(PipelineTest, MoreThanMLostShardsIsDataLoss) {
  Upload(Data(kSeg + 1));
  for (int i = 0; i < 3; ++i) store_.Corrupt(segments_[0].shards[i]);
  EXPECT_THAT(Download(0, kSeg + 1), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(PipelineTest, TamperedManifestOrderIsRejected) {
  std::string data = Data(3 * kSeg);
  Upload(data);
  std::swap(segments_[0].shards, segments_[1].shards);  // segments swapped in the manifest
  EXPECT_THAT(Download(0, data.size()), StatusIs(absl::StatusCode::kDataLoss));
  std::swap(segments_[0].shards, segments_[1].shards);
  segments_.pop_back();  // truncated: the new last segment was not sealed as final
  content_.size = 2 * kSeg;
  EXPECT_THAT(Download(0, 2 * kSeg), StatusIs(absl::StatusCode::kDataLoss));
}

// With a budget smaller than one segment's charge, concurrent uploads take turns a segment at
// a time: every one completes (none waits on another forever) and the budget is whole after.
TEST_F(PipelineTest, UploadsTakeTurnsWhenTheBudgetHoldsLessThanOneSegment) {
  SegmentBudget budget(1);
  options_.budget = &budget;
  const std::string data = Data(5 * kSeg + 123);
  std::vector<std::future<absl::StatusOr<UploadOutcome>>> uploads;
  for (int u = 0; u < 4; ++u) {
    uploads.push_back(std::async(std::launch::async, [&, u]() -> absl::StatusOr<UploadOutcome> {
      UploadPipeline p(options_, *codec_, placement_, store_,
                       {"content-" + std::to_string(u), "abcd", &key_}, false);
      for (size_t at = 0; at < data.size(); at += 1000) {
        absl::Status written = p.Write(std::string_view(data).substr(at, 1000));
        if (!written.ok()) return written;
      }
      return p.Finish();
    }));
  }
  for (auto& upload : uploads) {
    absl::StatusOr<UploadOutcome> out = upload.get();
    ASSERT_OK(out);
    EXPECT_EQ(out->size, data.size());
    EXPECT_EQ(out->segments.size(), 6u);
  }
  EXPECT_EQ(budget.held(), 0u);
  EXPECT_EQ(budget.waiting(), 0);
}

// Downloads charge what they read ahead: with room for less than one segment, each reads one
// segment at a time (granted alone when it holds nothing), all complete with the right bytes,
// and the budget is whole after.
TEST_F(PipelineTest, DownloadsUnderATightBudgetReadOneSegmentAtATimeAndComplete) {
  const std::string data = Data(5 * kSeg + 77);
  Upload(data);
  SegmentBudget budget(1);
  std::vector<std::future<absl::StatusOr<std::string>>> downloads;
  for (int d = 0; d < 3; ++d) {
    downloads.push_back(std::async(std::launch::async, [&]() -> absl::StatusOr<std::string> {
      SegmentReader reader(*codec_, store_, content_, key_, segments_.size(),
                           absl::InfiniteDuration(), nullptr, &budget);
      std::string out;
      absl::Status s = StreamRange(reader, content_, segments_, 0, data.size(), 2, 1000,
                                   [&](std::string_view chunk) {
                                     out.append(chunk);
                                     return absl::OkStatus();
                                   });
      if (!s.ok()) return s;
      return out;
    }));
  }
  for (auto& download : downloads) {
    absl::StatusOr<std::string> back = download.get();
    ASSERT_OK(back);
    EXPECT_EQ(*back, data);
  }
  EXPECT_EQ(budget.held(), 0u);
}

// A segment list with a segment dropped from the middle is refused, even for a range whose
// own segment is intact.
TEST_F(PipelineTest, ASegmentListWithAGapIsRefused) {
  const std::string data = Data(3 * kSeg);
  Upload(data);
  segments_.erase(segments_.begin() + 1);
  content_.size -= kSeg;
  EXPECT_THAT(Download(0, kSeg), StatusIs(absl::StatusCode::kDataLoss));
}

// A file within the inline size never asks for segment memory, even with none left.
TEST_F(PipelineTest, AFileWithinTheInlineSizeIsNeverHeldBackByTheBudget) {
  SegmentBudget budget(1);
  SegmentBudget::Grant everything = budget.Acquire(1);
  options_.budget = &budget;
  const std::string data = Data(options_.inline_max_bytes);
  Upload(data);
  EXPECT_TRUE(content_.inline_data.has_value());
  auto back = Download(0, data.size());
  ASSERT_OK(back);
  EXPECT_EQ(*back, data);
}

TEST_F(PipelineTest, FailedPutIsReplacedOnAnotherNode) {
  store_.Kill("node-2");
  std::string data = Data(2 * kSeg);
  Upload(data);
  for (const SegmentRecord& seg : segments_) {
    std::set<std::string> nodes;
    for (const ShardRecord& s : seg.shards) nodes.insert(s.node.id);
    EXPECT_EQ(nodes.size(), 6u);
    EXPECT_EQ(nodes.count("node-2"), 0u);
  }
  auto back = Download(0, data.size());
  ASSERT_OK(back);
  EXPECT_EQ(*back, data);
}

TEST_F(PipelineTest, APassingFailureOfEveryNodeIsRetriedOnTheSameNode) {
  FakePlacement six(6);  // exactly k + m: no other node to move to
  for (int i = 0; i < 6; ++i) store_.FailNextPuts("node-" + std::to_string(i), 1);
  UploadPipeline p(options_, *codec_, six, store_, {"c", "abcd", &key_}, false);
  ASSERT_OK(p.Write(Data(kSeg)));
  auto out = p.Finish();
  ASSERT_OK(out);
  // No node took a shard at first, so none could take another's: each waits for its own.
  EXPECT_EQ(PerNode(out->segments[0]).size(), 6u);
  EXPECT_EQ(store_.count(), 6u);
}

// A node that died but is still listed (dht has not declared it down yet): its shard goes to
// the live node of the segment holding the fewest, and the upload succeeds.
TEST_F(PipelineTest, AFailedPutWithNoFreeNodeLandsOnALiveNodeOfTheSegment) {
  FakePlacement six(6);
  store_.Kill("node-3");
  std::string data = Data(2 * kSeg);
  Upload(data, six);
  for (const SegmentRecord& seg : segments_) {
    const std::map<std::string, uint32_t> per_node = PerNode(seg);
    EXPECT_EQ(per_node.size(), 5u);
    EXPECT_EQ(per_node.count("node-3"), 0u);
    EXPECT_EQ(NodeLossesSurvived(Counts(per_node), 4), 1);
  }
  EXPECT_EQ(store_.count(), 2u * 6u);
  auto back = Download(0, data.size());
  ASSERT_OK(back);
  EXPECT_EQ(*back, data);
}

// 4+2 on 5, 4 and 3 nodes: 2-1-1-1-1, 2-2-1-1 and 2-2-2 shards per node each survive one loss.
TEST_F(PipelineTest, FewerNodesThanShardsDoubleUpAndSurviveOneLoss) {
  for (int nodes : {5, 4, 3}) {
    SCOPED_TRACE(nodes);
    FakePlacement few(nodes);
    FakeShardStore store;
    std::string data = Data(2 * kSeg + 1);
    UploadPipeline p(options_, *codec_, few, store, {"c", "abcd", &key_}, false);
    ASSERT_OK(p.Write(data));
    auto out = p.Finish();
    ASSERT_OK(out);
    ASSERT_EQ(out->segments.size(), 3u);
    for (const SegmentRecord& seg : out->segments) {
      EXPECT_EQ(seg.shards.size(), 6u);
      const std::map<std::string, uint32_t> per_node = PerNode(seg);
      EXPECT_EQ(per_node.size(), static_cast<size_t>(nodes));
      const std::vector<uint32_t> counts = Counts(per_node);
      EXPECT_EQ(*std::max_element(counts.begin(), counts.end()), 2u);
      const SegmentRedundancy r = MeasureSegment(seg.shards, *few.UpNodes(), 4);
      EXPECT_EQ(r.live_shards, 6u);
      EXPECT_EQ(r.node_losses_tolerated, 1);
      EXPECT_EQ(RedundancyState(r.node_losses_tolerated, 2), "degraded");
    }
    EXPECT_EQ(store.count(), 3u * 6u);
    uint64_t shard_bytes = 0;
    for (const SegmentRecord& seg : out->segments) shard_bytes += 6 * seg.shard_size;
    EXPECT_EQ(out->stored_bytes, shard_bytes);
  }
}

TEST_F(PipelineTest, TwoNodesCannotSurviveALossAndWriteNothing) {
  FakePlacement two(2);
  UploadPipeline p(options_, *codec_, two, store_, {"c", "abcd", &key_}, false);
  ASSERT_OK(p.Write(Data(kSeg + 1)));
  auto out = p.Finish();
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(out.status().GetPayload(kStorageNodesPayload).has_value());
  EXPECT_EQ(out.status().message(),
            "not enough storage nodes: 2 up with room, 3 needed to survive 1 more loss");
  EXPECT_EQ(store_.count(), 0u);
  EXPECT_TRUE(p.WrittenShards().empty());
}

TEST_F(PipelineTest, NoNodeUpIsUnavailable) {
  FakePlacement none(0);
  UploadPipeline p(options_, *codec_, none, store_, {"c", "abcd", &key_}, false);
  ASSERT_OK(p.Write(Data(kSeg)));
  auto out = p.Finish();
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(out.status().GetPayload(kStorageNodesPayload).has_value());
}

// Three nodes listed, one dead: its two shards can only double up on the other two (3-3),
// which one more loss would break. What was written is reported for clean-up.
TEST_F(PipelineTest, WrittenShardsShortOfTheQuorumFailTheUpload) {
  FakePlacement three(3);
  store_.Kill("node-1");
  UploadPipeline p(options_, *codec_, three, store_, {"c", "abcd", &key_}, false);
  ASSERT_OK(p.Write(Data(kSeg)));
  auto out = p.Finish();
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(out.status().GetPayload(kStorageNodesPayload).has_value());
  EXPECT_NE(out.status().message().find("6 of 6 written to 2 nodes, 3 needed"),
            std::string_view::npos)
      << out.status().message();
  EXPECT_EQ(p.WrittenShards().size(), store_.count());
}

TEST_F(PipelineTest, ToleratingTwoLossesNeedsSixNodes) {
  options_.write_tolerance = 2;
  FakePlacement five(5);
  UploadPipeline p(options_, *codec_, five, store_, {"c", "abcd", &key_}, false);
  ASSERT_OK(p.Write(Data(kSeg)));
  auto out = p.Finish();
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(out.status().message(),
            "not enough storage nodes: 5 up with room, 6 needed to survive 2 more losses");
  FakePlacement six(6);
  UploadPipeline q(options_, *codec_, six, store_, {"c", "abcd", &key_}, false);
  ASSERT_OK(q.Write(Data(kSeg)));
  auto ok = q.Finish();
  ASSERT_OK(ok);
  EXPECT_EQ(PerNode(ok->segments[0]).size(), 6u);
}

TEST_F(PipelineTest, ToleranceZeroCountsAsOne) {
  options_.write_tolerance = 0;
  FakePlacement two(2);
  UploadPipeline p(options_, *codec_, two, store_, {"c", "abcd", &key_}, false);
  ASSERT_OK(p.Write(Data(kSeg)));
  EXPECT_THAT(p.Finish(), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(PipelineTest, WindowBoundsConcurrentWrites) {
  Upload(Data(20 * kSeg));
  EXPECT_LE(store_.max_concurrent_.load(), options_.segments_in_flight * 6);
  EXPECT_EQ(store_.count(), 20u * 6u);
}

TEST_F(PipelineTest, DiscardModeHashesWithoutWriting) {
  UploadPipeline p(options_, *codec_, placement_, store_, {"c", "abcd", &key_}, true);
  ASSERT_OK(p.Write(Data(3 * kSeg)));
  auto out = p.Finish();
  ASSERT_OK(out);
  EXPECT_EQ(out->size, 3 * kSeg);
  EXPECT_EQ(store_.count(), 0u);
}

// A write that fails because its shard intent could not be recorded (the manifest database is
// away) is not a node refusing: the upload fails with that error at once, not with "not enough
// storage nodes" after trying every other node.
TEST_F(PipelineTest, AnIntentThatCannotBeRecordedFailsTheUploadAsItIs) {
  class NoIntents : public FakeShardStore {
   public:
    using FakeShardStore::Put;
    absl::Status Put(const NodeRef& node, const std::string& id, std::string_view data) override {
      if (node.id != "node-2") return FakeShardStore::Put(node, id, data);
      absl::Status failed = absl::UnavailableError("could not record the shard write");
      failed.SetPayload(kShardIntentPayload, absl::Cord("1"));
      return failed;
    }
  } store;
  UploadPipeline p(options_, *codec_, placement_, store, {"c", "abcd", &key_}, false);
  ASSERT_OK(p.Write(Data(kSeg)));
  auto out = p.Finish();
  EXPECT_THAT(out, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(out.status().GetPayload(kStorageNodesPayload).has_value());
  EXPECT_TRUE(out.status().GetPayload(kShardIntentPayload).has_value());
}

}  // namespace
}  // namespace datamesh::file_ingest
