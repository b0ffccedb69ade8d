// The upload and download pipelines end to end in-process, with fakes only at the storage
// seams (placement and shard store).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "services/file-ingest/download_pipeline.h"
#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/segment_codec.h"
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
  void Upload(const std::string& data) {
    UploadPipeline p(options_, *codec_, placement_, store_, {"content-1", "abcd", &key_}, false);
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

TEST_F(PipelineTest, APassingPutFailureIsRetriedOnTheSameNodeWhenNoOtherIsLeft) {
  FakePlacement six(6);  // exactly k + m: no other node to move to
  store_.FailNextPuts("node-3", 1);
  UploadPipeline p(options_, *codec_, six, store_, {"c", "abcd", &key_}, false);
  ASSERT_OK(p.Write(Data(2 * kSeg)));
  auto out = p.Finish();
  ASSERT_OK(out);
  for (const SegmentRecord& seg : out->segments) {
    std::set<std::string> nodes;
    for (const ShardRecord& s : seg.shards) nodes.insert(s.node.id);
    EXPECT_EQ(nodes.size(), 6u);
  }
  EXPECT_EQ(store_.count(), 2u * 6u);
}

TEST_F(PipelineTest, ADeadNodeWithNoOtherLeftIsUnavailable) {
  FakePlacement six(6);
  store_.Kill("node-3");
  UploadPipeline p(options_, *codec_, six, store_, {"c", "abcd", &key_}, false);
  ASSERT_OK(p.Write(Data(kSeg)));
  EXPECT_THAT(p.Finish(), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(PipelineTest, TooFewNodesIsUnavailable) {
  FakePlacement few(5);
  UploadPipeline p(options_, *codec_, few, store_, {"c", "abcd", &key_}, false);
  ASSERT_OK(p.Write(Data(kSeg + 1)));
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

}  // namespace
}  // namespace datamesh::file_ingest
