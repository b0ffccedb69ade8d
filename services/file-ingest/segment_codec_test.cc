#include "services/file-ingest/segment_codec.h"

#include <gtest/gtest.h>

#include <thread>

#include "shared/crypto/hash.h"
#include "shared/crypto/random.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::file_ingest {
namespace {

using ::datamesh::testing::StatusIs;

class SegmentCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto codec = erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2);
    ASSERT_OK(codec);
    codec_ = std::move(*codec);
    auto key = crypto::RandomBytes(32);
    ASSERT_OK(key);
    auto aead = crypto::AesGcm::Create(*key);
    ASSERT_OK(aead);
    aead_.emplace(std::move(*aead));
  }
  // The sealed payload of an encoded segment (data shards, trimmed).
  static std::string Sealed(const EncodedSegment& seg) {
    return std::string(seg.block.shard_view(0).data(), crypto::AesGcm::SealedSize(seg.stored_size));
  }
  absl::StatusOr<std::string> Open(const EncodedSegment& seg, uint64_t index, bool final,
                                   std::string_view content = "content-1") {
    return OpenPayload(*aead_, {content, "pref", index, final}, Sealed(seg), seg.compressed,
                       seg.plain_size, /*plain_sha256=*/"");
  }

  std::unique_ptr<erasure::ErasureCodec> codec_;
  std::optional<crypto::AesGcm> aead_;
};

TEST_F(SegmentCodecTest, RoundTripCompressibleAndRandom) {
  std::string text(100000, 'a');
  auto random = crypto::RandomBytes(100000);
  ASSERT_OK(random);
  for (const std::string& plain : {text, *random, std::string("x")}) {
    auto seg = EncodeSegment(*aead_, *codec_, {"content-1", "pref", 3, false}, plain);
    ASSERT_OK(seg);
    EXPECT_EQ(seg->shard_ids.size(), 6u);
    auto hash = crypto::Sha256Hex(seg->block.shard_view(5));
    ASSERT_OK(hash);
    EXPECT_EQ(*hash, seg->shard_ids[5]);
    auto back = Open(*seg, 3, false);
    ASSERT_OK(back);
    EXPECT_EQ(*back, plain);
  }
}

TEST_F(SegmentCodecTest, CompressesOnlyWhenItPays) {
  auto text = EncodeSegment(*aead_, *codec_, {"c", "pref", 0, true}, std::string(10000, 'z'));
  ASSERT_OK(text);
  EXPECT_TRUE(text->compressed);
  EXPECT_LT(text->stored_size, 1000u);
  auto random = crypto::RandomBytes(10000);
  ASSERT_OK(random);
  auto noise = EncodeSegment(*aead_, *codec_, {"c", "pref", 0, true}, *random);
  ASSERT_OK(noise);
  EXPECT_FALSE(noise->compressed);
  EXPECT_EQ(noise->stored_size, 10000u);
}

TEST_F(SegmentCodecTest, DecidesOnASampleOfTheHead) {
  auto random = crypto::RandomBytes(kCompressionSampleBytes);
  ASSERT_OK(random);
  // Incompressible head, compressible rest: the sample says no, so nothing is compressed.
  std::string noisy_head = *random + std::string(4 * kCompressionSampleBytes, 'a');
  std::string out;
  EXPECT_FALSE(MaybeCompress(noisy_head, &out).value());
  // Compressible head, incompressible rest that still leaves the whole under 95%: compressed.
  std::string text_head = std::string(kCompressionSampleBytes, 'a') + *random + *random;
  EXPECT_TRUE(MaybeCompress(text_head, &out).value());
  EXPECT_EQ(Decompress(out, text_head.size()).value(), text_head);
  // Still readable both ways through the segment format.
  for (const std::string& plain : {noisy_head, text_head}) {
    auto seg = EncodeSegment(*aead_, *codec_, {"content-1", "pref", 0, true}, plain);
    ASSERT_OK(seg);
    EXPECT_EQ(Open(*seg, 0, true).value(), plain);
  }
}

TEST_F(SegmentCodecTest, SkipsCompressionWhenTheCallerSaysTheTypeIsCompressed) {
  const std::string text(100000, 'z');
  auto seg = EncodeSegment(*aead_, *codec_, {"c", "pref", 0, true}, text, /*try_compress=*/false);
  ASSERT_OK(seg);
  EXPECT_FALSE(seg->compressed);
  EXPECT_EQ(seg->stored_size, text.size());
  EXPECT_EQ(Open(*seg, 0, true, "c").value(), text);
  for (std::string_view type : {"image/jpeg", "IMAGE/PNG", "video/mp4", "audio/ogg",
                                "application/zip", " application/gzip ; q=1"}) {
    EXPECT_TRUE(IsCompressedContentType(type)) << type;
  }
  for (std::string_view type : {"", "text/plain", "application/octet-stream", "image/bmp",
                                "application/json; charset=utf-8"}) {
    EXPECT_FALSE(IsCompressedContentType(type)) << type;
  }
}

TEST(WorkerCipherTest, OneContextPerThreadRekeyedForEachContent) {
  auto a = crypto::SecretBytes::Random(32);
  auto b = crypto::SecretBytes::Random(32);
  ASSERT_OK(a);
  ASSERT_OK(b);
  const std::string nonce(12, 'n');
  crypto::AesGcm* first = WorkerCipher(*a).value();
  const std::string sealed_a = first->Seal(nonce, "", "under a").value();
  crypto::AesGcm* second = WorkerCipher(*b).value();
  EXPECT_EQ(first, second) << "the thread's context is reused";
  EXPECT_THAT(second->Open(nonce, "", sealed_a), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(WorkerCipher(*a).value()->Open(nonce, "", sealed_a).value(), "under a");
  crypto::AesGcm* other_thread = nullptr;
  std::thread([&] { other_thread = WorkerCipher(*a).value(); }).join();
  EXPECT_NE(other_thread, first);
}

TEST_F(SegmentCodecTest, AadRejectsSwappedReplayedAndTruncatedSegments) {
  auto seg1 = EncodeSegment(*aead_, *codec_, {"content-1", "pref", 1, false}, "segment one");
  ASSERT_OK(seg1);
  ASSERT_OK(Open(*seg1, 1, false));
  // Swapped into another position.
  EXPECT_THAT(Open(*seg1, 2, false), StatusIs(absl::StatusCode::kDataLoss));
  // Replayed into another file.
  EXPECT_THAT(Open(*seg1, 1, false, "content-2"), StatusIs(absl::StatusCode::kDataLoss));
  // Truncation: the file cut after segment 1 would need segment 1 to be final.
  EXPECT_THAT(Open(*seg1, 1, true), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(SegmentCodecTest, TamperedShardFailsToOpen) {
  auto seg = EncodeSegment(*aead_, *codec_, {"c", "pref", 0, true}, std::string(5000, 'q'));
  ASSERT_OK(seg);
  std::string sealed = Sealed(*seg);
  sealed[3] ^= 1;
  EXPECT_THAT(OpenPayload(*aead_, {"c", "pref", 0, true}, sealed, seg->compressed, seg->plain_size,
                          /*plain_sha256=*/""),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(SegmentCodecTest, InlineRoundTripAndNonceLayout) {
  auto sealed = SealInline(*aead_, {"c", "pref", 0, true}, "hello");
  ASSERT_OK(sealed);
  auto back =
      OpenPayload(*aead_, {"c", "pref", 0, true}, sealed->sealed, sealed->compressed, 5, "");
  ASSERT_OK(back);
  EXPECT_EQ(*back, "hello");
  EXPECT_EQ(SegmentNonce("pref", 258), std::string("pref\0\0\0\0\0\0\x01\x02", 12));
  EXPECT_NE(SegmentAad("c", 1, true), SegmentAad("c", 1, false));
}

}  // namespace
}  // namespace datamesh::file_ingest
