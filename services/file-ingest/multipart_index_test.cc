// Multipart segment indexes and ETags, and a content written in parts (sparse segment
// indexes) read back whole and by ranges across part boundaries, with fakes only at the
// storage seams.
#include "services/file-ingest/multipart_index.h"

#include <gtest/gtest.h>

#include "services/file-ingest/download_pipeline.h"
#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/upload_pipeline.h"
#include "shared/crypto/random.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::file_ingest {
namespace {

using ::datamesh::testing::StatusIs;

TEST(MultipartIndexTest, PartSegmentsSortInObjectOrderAndNeverMeetPlainOnes) {
  // Part 1's latest attempt sorts before part 2's first, whatever the attempt numbers.
  EXPECT_LT(PartSegmentBase(1, 900) + 5, PartSegmentBase(2, 1));
  EXPECT_LT(PartSegmentEnd(1, 3), PartSegmentBase(1, 4) + 1);
  EXPECT_EQ(PartSegmentEnd(1, 3) - PartSegmentBase(1, 3), kMaxSegmentsPerPart);
  EXPECT_TRUE(IsPartSegment(PartSegmentBase(1, 0)));
  EXPECT_FALSE(IsPartSegment(12345));
  // The largest index still fits PostgreSQL's bigint.
  EXPECT_LT(PartSegmentEnd(kMaxPartNumber, kMaxPartAttempts - 1), uint64_t{1} << 63);
}

TEST(MultipartIndexTest, OnlyThePlainLastSegmentIsSealedFinal) {
  EXPECT_TRUE(SealedFinal(2, 3));
  EXPECT_FALSE(SealedFinal(1, 3));
  EXPECT_FALSE(SealedFinal(PartSegmentBase(1, 1), 1));
}

TEST(MultipartIndexTest, PartOutgrowingItsIndexRangeIsRefused) {
  EXPECT_OK(CheckPartSegment(kMaxSegmentsPerPart - 1));
  EXPECT_THAT(CheckPartSegment(kMaxSegmentsPerPart), StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(MultipartEtagTest, IsTheMd5OfTheBinaryPartMd5sAndTheCount) {
  // md5("hello"), md5("world"); md5 of their 32 binary bytes computed independently.
  auto etag =
      MultipartEtag({"5d41402abc4b2a76b9719d911017c592", "7d793037a0760186574b0282f2f435e7"});
  ASSERT_OK(etag);
  EXPECT_EQ(*etag, "065947336a2f2a95ba8899f3675c3be6-2");
}

TEST(MultipartEtagTest, CompositeSha256FollowsTheSameShape) {
  auto sha = MultipartSha256({"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                              "486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7"});
  ASSERT_OK(sha);
  EXPECT_EQ(*sha, "7305db9b2abccd706c256db3d97e5ff48d677cfe4d3a5904afb7da0e3950e1e2-2");
}

TEST(MultipartEtagTest, MalformedPartDigestIsRefused) {
  EXPECT_THAT(MultipartEtag({"5d41402abc4b2a76b9719d911017c59"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MultipartEtag({"zz41402abc4b2a76b9719d911017c592"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

constexpr uint64_t kSeg = 4096;

class SparseContentTest : public ::testing::Test {
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
    content_.id = "content-mp";
    content_.nonce_prefix = "wxyz";
  }

  // Writes `data` as attempt `attempt` of part `part`; appends its segments.
  void WritePart(uint32_t part, uint64_t attempt, const std::string& data) {
    UploadPipeline p(
        options_, *codec_, placement_, store_,
        {content_.id, content_.nonce_prefix, &key_, "", PartSegmentBase(part, attempt)}, false);
    for (size_t at = 0; at < data.size(); at += 1000) {
      ASSERT_OK(p.Write(std::string_view(data).substr(at, 1000)));
    }
    auto out = p.Finish();
    ASSERT_OK(out);
    EXPECT_FALSE(out->inline_sealed.has_value());  // parts are never inline
    for (SegmentRecord& s : out->segments) {
      EXPECT_GE(s.index, PartSegmentBase(part, attempt));
      EXPECT_LT(s.index, PartSegmentEnd(part, attempt));
      segments_.push_back(std::move(s));
    }
    content_.size += out->size;
  }

  absl::StatusOr<std::string> Read(uint64_t offset, uint64_t length) {
    SegmentReader reader(*codec_, store_, content_, key_, segments_.size());
    std::string out;
    absl::Status s = StreamRange(reader, content_, segments_, offset, length, 2, 1000,
                                 [&](std::string_view chunk) {
                                   out.append(chunk);
                                   return absl::OkStatus();
                                 });
    if (!s.ok()) return s;
    return out;
  }

  static std::string Data(size_t n) { return crypto::RandomBytes(n).value_or(""); }

  std::unique_ptr<erasure::ErasureCodec> codec_;
  crypto::SecretBytes key_;
  PipelineOptions options_;
  FakePlacement placement_{6};
  FakeShardStore store_;
  ContentRecord content_;
  std::vector<SegmentRecord> segments_;
};

TEST_F(SparseContentTest, PartsReadBackWholeAndByRangesAcrossTheirBoundaries) {
  // Part 1 spans 2.5 segments, part 2 exactly one, part 3 a few bytes (the last part).
  const std::string one = Data(2 * kSeg + kSeg / 2), two = Data(kSeg), three = Data(10);
  WritePart(1, 7, one);
  WritePart(2, 3, two);
  WritePart(3, 9, three);
  const std::string all = one + two + three;
  ASSERT_EQ(content_.size, all.size());
  auto whole = Read(0, all.size());
  ASSERT_OK(whole);
  EXPECT_EQ(*whole, all);
  for (uint64_t boundary : {one.size(), one.size() + two.size()}) {
    auto across = Read(boundary - 7, 20);
    ASSERT_OK(across);
    EXPECT_EQ(*across, all.substr(boundary - 7, 20));
  }
  auto tail = Read(all.size() - 12, 12);
  ASSERT_OK(tail);
  EXPECT_EQ(*tail, all.substr(all.size() - 12));
}

TEST_F(SparseContentTest, SegmentsOutOfOrderAreRefused) {
  WritePart(1, 1, Data(kSeg + 1));
  WritePart(2, 1, Data(kSeg));
  std::swap(segments_[1], segments_[2]);
  EXPECT_THAT(Read(0, content_.size), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(SparseContentTest, SegmentSealedUnderAnotherIndexDoesNotOpen) {
  WritePart(1, 1, Data(kSeg));
  // A manifest that moved a segment to another index (as a reused attempt would) fails the tag.
  segments_[0].index = PartSegmentBase(1, 2);
  EXPECT_THAT(Read(0, content_.size), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace datamesh::file_ingest
