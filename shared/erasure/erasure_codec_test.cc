// Contract tests of ErasureCodec, run against every backend and several (k, m) shapes.
#include "shared/erasure/erasure_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::erasure {
namespace {

using ::datamesh::testing::IsOk;
using ::datamesh::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Mask = absl::InlinedVector<bool, 16>;
using Shards = std::vector<std::string>;

struct Shape {
  int k;
  int m;
};

void PrintTo(const Shape& shape, std::ostream* os) {
  *os << "RS(" << shape.k << "," << shape.m << ")";
}

}  // namespace

// Found by argument-dependent lookup when gtest prints a parameter.
void PrintTo(Backend backend, std::ostream* os) { *os << BackendName(backend); }

namespace {

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Calls `visit` with every set of exactly `r` indices out of [0, n), ascending.
void ForEachCombination(int n, int r, const std::function<void(const std::vector<int>&)>& visit) {
  std::vector<int> pick(r);
  std::function<void(int, int)> rec = [&](int start, int depth) {
    if (depth == r) return visit(pick);
    for (int i = start; i <= n - (r - depth); ++i) {
      pick[depth] = i;
      rec(i + 1, depth + 1);
    }
  };
  rec(0, 0);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Mask PresentExcept(int n, const std::vector<int>& lost) {
  Mask present(n, true);
  for (int i : lost) present[i] = false;
  return present;
}

std::vector<uint8_t*> Pointers(Shards& shards) {
  std::vector<uint8_t*> p;
  for (std::string& s : shards) p.push_back(reinterpret_cast<uint8_t*>(s.data()));
  return p;
}

class ErasureCodecTest : public ::testing::TestWithParam<std::tuple<Backend, Shape>> {
 protected:
  void SetUp() override {
    auto [backend, shape] = GetParam();
    auto codec = MakeCodec(backend, shape.k, shape.m);
    if (backend == Backend::kIsaL && absl::IsUnimplemented(codec.status())) {
      GTEST_SKIP() << "built without ISA-L";
    }
    ASSERT_OK(codec);
    codec_ = *std::move(codec);
    k_ = shape.k;
    m_ = shape.m;
    n_ = k_ + m_;
    granularity_ = codec_->ShardSize(1);
  }

  // Segment sizes around the shard boundaries, odd primes, and one above a MiB.
  std::vector<size_t> SegmentSizes(bool include_large) const {
    const size_t g = granularity_, k = static_cast<size_t>(k_);
    std::vector<size_t> sizes = {0, 1, 7, g - 1, g, g + 1, k * g - 1, k * g + 1, 97, 4099};
    if (include_large) sizes.push_back((1 << 20) + 3);
    return sizes;
  }

  std::unique_ptr<ErasureCodec> codec_;
  int k_ = 0, m_ = 0, n_ = 0;
  size_t granularity_ = 0;
};

TEST_P(ErasureCodecTest, ShardSizeCoversSegmentInAlignedShards) {
  EXPECT_EQ(codec_->ShardSize(0), 0u);
  EXPECT_EQ(granularity_ % kBufferAlignment, 0u);
  for (size_t size : SegmentSizes(true)) {
    const size_t b = codec_->ShardSize(size);
    EXPECT_EQ(b % granularity_, 0u) << size;
    EXPECT_GE(b * k_, size);
    EXPECT_LT(b * k_, size + granularity_ * k_) << "more padding than alignment needs";
  }
}

TEST_P(ErasureCodecTest, EncodeSegmentSplitsPadsAndRoundTrips) {
  for (size_t size : SegmentSizes(true)) {
    const std::string segment = RandomBytes(size, static_cast<uint32_t>(size));
    auto shards = codec_->EncodeSegment(segment);
    ASSERT_OK(shards);
    ASSERT_EQ(shards->size(), static_cast<size_t>(n_));
    const size_t b = codec_->ShardSize(size);
    std::string joined;
    for (int i = 0; i < n_; ++i) {
      ASSERT_EQ((*shards)[i].size(), b) << "shard " << i;
      if (i < k_) joined += (*shards)[i];
    }
    EXPECT_EQ(joined.substr(0, size), segment);
    EXPECT_EQ(joined.substr(size), std::string(joined.size() - size, '\0')) << "padding";

    std::vector<std::optional<std::string>> all(shards->begin(), shards->end());
    auto decoded = codec_->DecodeSegment(std::move(all), size);
    ASSERT_OK(decoded);
    EXPECT_EQ(*decoded, segment) << "size " << size;
  }
}

TEST_P(ErasureCodecTest, EncodeOnCallerBuffersMatchesEncodeSegment) {
  const std::string segment = RandomBytes(10007, 1);
  auto expected = codec_->EncodeSegment(segment);
  ASSERT_OK(expected);
  Shards shards = *expected;
  for (int i = k_; i < n_; ++i) shards[i].assign(shards[i].size(), '\x5a');
  std::vector<uint8_t*> p = Pointers(shards);
  std::vector<const uint8_t*> data(p.begin(), p.begin() + k_);
  ASSERT_OK(codec_->Encode(data, std::span(p).subspan(k_), shards[0].size()));
  EXPECT_EQ(shards, *expected);
}

TEST_P(ErasureCodecTest, EveryPatternOfUpToMLossesRestoresShardsAndSegment) {
  for (size_t size : SegmentSizes(/*include_large=*/n_ <= 6)) {
    const std::string segment = RandomBytes(size, static_cast<uint32_t>(size) + 7);
    auto encoded = codec_->EncodeSegment(segment);
    ASSERT_OK(encoded);
    const Shards& original = *encoded;
    Shards work = original;
    std::vector<uint8_t*> p = Pointers(work);
    const size_t b = codec_->ShardSize(size);
    for (int lost_count = 1; lost_count <= m_; ++lost_count) {
      ForEachCombination(n_, lost_count, [&](const std::vector<int>& lost) {
        if (HasFailure()) return;                      // One broken pattern is enough to report.
        for (int i : lost) work[i].assign(b, '\xa5');  // Same buffer, clobbered.
        const Mask present = PresentExcept(n_, lost);
        ASSERT_OK(codec_->Decode(p, present, b));
        for (int i : lost) {
          ASSERT_EQ(work[i], original[i]) << "size " << size << " shard " << i;
        }
        std::vector<std::optional<std::string>> partial(original.begin(), original.end());
        for (int i : lost) partial[i].reset();
        auto decoded = codec_->DecodeSegment(std::move(partial), size);
        ASSERT_OK(decoded);
        ASSERT_EQ(*decoded, segment) << "size " << size;
      });
    }
  }
}

TEST_P(ErasureCodecTest, MoreThanMLossesIsFailedPreconditionAndWritesNothing) {
  const std::string segment = RandomBytes(333, 3);
  auto encoded = codec_->EncodeSegment(segment);
  ASSERT_OK(encoded);
  ForEachCombination(n_, m_ + 1, [&](const std::vector<int>& lost) {
    Shards work = *encoded;
    std::vector<uint8_t*> p = Pointers(work);
    EXPECT_THAT(codec_->Decode(p, PresentExcept(n_, lost), work[0].size()),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_EQ(work, *encoded);
    std::vector<std::optional<std::string>> partial(encoded->begin(), encoded->end());
    for (int i : lost) partial[i].reset();
    EXPECT_THAT(codec_->DecodeSegment(std::move(partial), segment.size()),
                StatusIs(absl::StatusCode::kFailedPrecondition));
  });
}

TEST_P(ErasureCodecTest, ShardsNeededPrefersDataThenLowestParity) {
  std::vector<int> all_data(k_);
  for (int i = 0; i < k_; ++i) all_data[i] = i;
  EXPECT_EQ(codec_->ShardsNeeded(Mask(n_, true)), all_data);
  if (m_ >= 1) {
    std::vector<int> without_first(all_data.begin() + 1, all_data.end());
    without_first.push_back(k_);  // First parity stands in for data shard 0.
    EXPECT_EQ(codec_->ShardsNeeded(PresentExcept(n_, {0})), without_first);
    std::vector<int> lost_parity_too = {0, k_};
    std::vector<int> expected(all_data.begin() + 1, all_data.end());
    if (m_ >= 2) {
      expected.push_back(k_ + 1);
      EXPECT_EQ(codec_->ShardsNeeded(PresentExcept(n_, lost_parity_too)), expected);
    }
  }
  std::vector<int> too_many(m_ + 1);
  for (int i = 0; i <= m_; ++i) too_many[i] = i;
  EXPECT_THAT(codec_->ShardsNeeded(PresentExcept(n_, too_many)), IsEmpty());
  EXPECT_THAT(codec_->ShardsNeeded(Mask(n_ + 1, true)), IsEmpty());
}

TEST_P(ErasureCodecTest, ConcurrentCodingMatchesSingleThreaded) {
  const std::string segment = RandomBytes(256 * 1024 + 5, 11);
  auto expected = codec_->EncodeSegment(segment);
  ASSERT_OK(expected);
  std::vector<int> lost;
  for (int i = 0; i < m_; ++i) lost.push_back(i);  // Data shards, so decoding is real work.
  auto run = [&](Shards* out, bool* decoded_ok) {
    for (int round = 0; round < 8; ++round) {
      auto shards = codec_->EncodeSegment(segment);
      if (!shards.ok() || *shards != *expected) return;
      std::vector<std::optional<std::string>> partial(shards->begin(), shards->end());
      for (int i : lost) partial[i].reset();
      auto decoded = codec_->DecodeSegment(std::move(partial), segment.size());
      if (!decoded.ok() || *decoded != segment) return;
      *out = *std::move(shards);
    }
    *decoded_ok = true;
  };
  Shards a, b;
  bool a_ok = false, b_ok = false;
  std::thread t1(run, &a, &a_ok), t2(run, &b, &b_ok);
  t1.join();
  t2.join();
  EXPECT_TRUE(a_ok);
  EXPECT_TRUE(b_ok);
  EXPECT_EQ(a, *expected);
  EXPECT_EQ(b, *expected);
}

TEST_P(ErasureCodecTest, RejectsMalformedArguments) {
  auto shards = codec_->EncodeSegment(RandomBytes(1000, 5));
  ASSERT_OK(shards);
  const size_t b = (*shards)[0].size();
  std::vector<uint8_t*> p = Pointers(*shards);
  std::vector<const uint8_t*> data(p.begin(), p.begin() + k_);
  auto parity = std::span(p).subspan(k_);
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

  EXPECT_THAT(codec_->Encode(std::span(data).first(k_ - 1), parity, b), StatusIs(kInvalid));
  EXPECT_THAT(codec_->Encode(data, parity, b + 1), StatusIs(kInvalid));
  EXPECT_THAT(codec_->Encode(data, parity, b - granularity_ / 2), StatusIs(kInvalid));
  // A buffer off the 16-byte grid: Jerasure's field code would abort the process on it.
  std::string unaligned(b + 64, '\0');
  uint8_t* base = reinterpret_cast<uint8_t*>(unaligned.data());
  std::vector<const uint8_t*> bad_data = data;
  bad_data[0] = base + 8;
  EXPECT_THAT(codec_->Encode(bad_data, parity, b), StatusIs(kInvalid));
  bad_data[0] = nullptr;
  EXPECT_THAT(codec_->Encode(bad_data, parity, b), StatusIs(kInvalid));

  Mask present(n_, true);
  present[0] = false;
  EXPECT_THAT(codec_->Decode(std::span(p).first(n_ - 1), present, b), StatusIs(kInvalid));
  std::vector<uint8_t*> bad = p;
  bad[0] = base + 8;
  if (m_ > 0) {
    EXPECT_THAT(codec_->Decode(bad, present, b), StatusIs(kInvalid));
  }

  std::vector<std::optional<std::string>> wrong_count(n_ + 1);
  EXPECT_THAT(codec_->DecodeSegment(wrong_count, 1000), StatusIs(kInvalid));
  std::vector<std::optional<std::string>> short_shard(shards->begin(), shards->end());
  short_shard[k_ - 1]->pop_back();
  EXPECT_THAT(codec_->DecodeSegment(short_shard, 1000), StatusIs(kInvalid));
}

std::string ParamName(const ::testing::TestParamInfo<std::tuple<Backend, Shape>>& info) {
  auto [backend, shape] = info.param;
  return std::string(BackendName(backend)) + "_k" + std::to_string(shape.k) + "_m" +
         std::to_string(shape.m);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, ErasureCodecTest,
                         ::testing::Combine(::testing::Values(Backend::kJerasure, Backend::kIsaL),
                                            ::testing::Values(Shape{1, 1}, Shape{2, 1}, Shape{4, 2},
                                                              Shape{6, 3}, Shape{10, 4},
                                                              Shape{3, 0})),
                         ParamName);

std::vector<Backend> AvailableBackends() {
  std::vector<Backend> backends = {Backend::kJerasure};
  if (MakeCodec(Backend::kIsaL, 1, 1).ok()) backends.push_back(Backend::kIsaL);
  return backends;
}

TEST(MakeCodec, RejectsInvalidShapes) {
  for (Backend backend : {Backend::kJerasure, Backend::kIsaL}) {
    for (auto [k, m] : {std::pair{0, 2}, {-1, 1}, {4, -1}, {200, 56}, {1, 255}, {255, 1}}) {
      EXPECT_THAT(MakeCodec(backend, k, m), StatusIs(absl::StatusCode::kInvalidArgument))
          << BackendName(backend) << " k=" << k << " m=" << m;
    }
  }
  EXPECT_THAT(ValidateShape(4, 2), IsOk());
  EXPECT_THAT(ValidateShape(3, 0), IsOk());
}

TEST(MakeCodec, WidestShapeDecodesLostShards) {
  for (Backend backend : AvailableBackends()) {
    auto codec = MakeCodec(backend, 250, 5);
    ASSERT_OK(codec);
    const std::string segment = RandomBytes(250 * 64 + 1, 9);
    auto shards = (*codec)->EncodeSegment(segment);
    ASSERT_OK(shards);
    std::vector<std::optional<std::string>> partial(shards->begin(), shards->end());
    for (int i : {0, 1, 100, 249, 252}) partial[i].reset();
    auto decoded = (*codec)->DecodeSegment(std::move(partial), segment.size());
    ASSERT_OK(decoded);
    EXPECT_EQ(*decoded, segment) << BackendName(backend);
  }
}

TEST(ErasureBackends, AgreeOnDataButNotOnParity) {
  std::vector<Backend> backends = AvailableBackends();
  if (backends.size() < 2) GTEST_SKIP() << "built without ISA-L";
  auto jerasure = MakeCodec(Backend::kJerasure, 4, 2);
  auto isal = MakeCodec(Backend::kIsaL, 4, 2);
  ASSERT_OK(jerasure);
  ASSERT_OK(isal);
  EXPECT_EQ((*jerasure)->id(), "jerasure-rs-vand-w8");
  EXPECT_EQ((*isal)->id(), "isal-rs-cauchy");
  const std::string segment = RandomBytes(4096, 21);  // Same shard size (1024) for both.
  auto a = (*jerasure)->EncodeSegment(segment);
  auto b = (*isal)->EncodeSegment(segment);
  ASSERT_OK(a);
  ASSERT_OK(b);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*a)[i], (*b)[i]) << "data shard " << i;
  EXPECT_NE((*a)[5], (*b)[5]) << "different matrices must give different parity";
  for (const auto& [codec, shards] : {std::pair{jerasure->get(), &*a}, {isal->get(), &*b}}) {
    std::vector<std::optional<std::string>> partial(shards->begin(), shards->end());
    partial[1].reset();
    partial[2].reset();
    auto decoded = codec->DecodeSegment(std::move(partial), segment.size());
    ASSERT_OK(decoded);
    EXPECT_EQ(*decoded, segment) << codec->id();
  }
}

TEST(SharedCodecForId, GivesTheRecordedCodecOncePerIdAndShape) {
  for (Backend backend : AvailableBackends()) {
    auto made = MakeCodec(backend, 4, 2);
    ASSERT_OK(made);
    const std::string id((*made)->id());
    EXPECT_EQ(BackendForId(id).value(), backend);
    auto shared = SharedCodecForId(id, 4, 2);
    ASSERT_OK(shared);
    EXPECT_EQ((*shared)->id(), id);
    EXPECT_EQ(SharedCodecForId(id, 4, 2).value(), *shared) << "kept, not made again";
    auto other_shape = SharedCodecForId(id, 6, 3);
    ASSERT_OK(other_shape);
    EXPECT_EQ((*other_shape)->data_shards(), 6);
    EXPECT_EQ((*other_shape)->parity_shards(), 3);
  }
  EXPECT_THAT(SharedCodecForId("rs-of-the-future", 4, 2), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(SharedCodecForId("jerasure-rs-vand-w8", 0, 2),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(BackendForId("isal-rs-cauchy").value(), Backend::kIsaL);
}

TEST(DefaultBackend, IsIsaLWhenBuiltAndParsesByName) {
  const bool isal = MakeCodec(Backend::kIsaL, 1, 1).ok();
  EXPECT_EQ(HasBackend(Backend::kIsaL), isal);
  EXPECT_TRUE(HasBackend(Backend::kJerasure));
  EXPECT_EQ(DefaultBackend(), isal ? Backend::kIsaL : Backend::kJerasure);
  EXPECT_EQ(ParseBackend("jerasure").value(), Backend::kJerasure);
  if (isal) EXPECT_EQ(ParseBackend("isal").value(), Backend::kIsaL);
  EXPECT_THAT(ParseBackend("ISAL"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseBackend(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Pins the stored format: parity written today must decode after a library upgrade. Expected
// bytes were computed by hand in GF(2^8) (polynomial 0x11d) from each backend's matrix:
// Jerasure RS(4,2) rows [1 1 1 1] (so P0 is the XOR of the data) and [1 70 143 200]; ISA-L's
// Cauchy rows 1/(i xor j) for parity row i in {4, 5} and data column j.
TEST(ErasureBackends, ParityBytesAreStable) {
  std::string segment(128, '\0');
  for (size_t i = 0; i < segment.size(); ++i) segment[i] = static_cast<char>(i * 7 + 1);
  auto jerasure = MakeCodec(Backend::kJerasure, 4, 2);
  ASSERT_OK(jerasure);
  auto shards = (*jerasure)->EncodeSegment(segment);
  ASSERT_OK(shards);
  ASSERT_EQ((*shards)[4].size(), 32u);
  for (size_t j = 0; j < 32; ++j) {
    EXPECT_EQ((*shards)[4][j],
              (*shards)[0][j] ^ (*shards)[1][j] ^ (*shards)[2][j] ^ (*shards)[3][j]);
  }
  EXPECT_EQ(Hex((*shards)[5].substr(0, 8)), "a0a0a0a0a0202020");
  auto isal = MakeCodec(Backend::kIsaL, 4, 2);
  if (!isal.ok()) GTEST_SKIP() << "built without ISA-L";
  auto isal_shards = (*isal)->EncodeSegment(segment);
  ASSERT_OK(isal_shards);
  EXPECT_EQ(Hex((*isal_shards)[4].substr(0, 8)), "132ecec9b4ad5057");
  EXPECT_EQ(Hex((*isal_shards)[5].substr(0, 8)), "d6eb0b0c71d92423");
}

}  // namespace
}  // namespace datamesh::erasure
