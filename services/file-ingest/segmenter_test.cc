#include "services/file-ingest/segmenter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shared/testing/status_matchers.h"

namespace datamesh::file_ingest {
namespace {

struct Emitted {
  size_t size;
  uint64_t index;
  bool final;
  bool operator==(const Emitted&) const = default;
};

// Feeds `total` bytes in pieces of `piece` and returns what came out, checking the bytes.
std::vector<Emitted> Feed(size_t segment, size_t total, size_t piece) {
  std::vector<Emitted> out;
  std::string joined;
  Segmenter s(segment, [&](PlainSegment seg, uint64_t index, bool final) {
    EXPECT_LE(seg.view().size(), segment);
    out.push_back({seg.view().size(), index, final});
    joined += seg.view();
    return absl::OkStatus();
  });
  std::string data(total, '\0');
  for (size_t i = 0; i < total; ++i) data[i] = static_cast<char>(i * 7 + 1);
  for (size_t at = 0; at < total; at += piece) {
    EXPECT_OK(s.Append(std::string_view(data).substr(at, piece)));
  }
  EXPECT_OK(s.Finish());
  EXPECT_EQ(joined, data);
  EXPECT_EQ(s.bytes_seen(), total);
  return out;
}

TEST(SegmenterTest, BoundarySizes) {
  constexpr size_t kSeg = 16;
  EXPECT_EQ(Feed(kSeg, 0, 5), (std::vector<Emitted>{{0, 0, true}}));
  EXPECT_EQ(Feed(kSeg, 1, 5), (std::vector<Emitted>{{1, 0, true}}));
  EXPECT_EQ(Feed(kSeg, kSeg - 1, 5), (std::vector<Emitted>{{kSeg - 1, 0, true}}));
  EXPECT_EQ(Feed(kSeg, kSeg, 5), (std::vector<Emitted>{{kSeg, 0, true}}));
  EXPECT_EQ(Feed(kSeg, kSeg + 1, 5), (std::vector<Emitted>{{kSeg, 0, false}, {1, 1, true}}));
  EXPECT_EQ(Feed(kSeg, 3 * kSeg, 7),
            (std::vector<Emitted>{{kSeg, 0, false}, {kSeg, 1, false}, {kSeg, 2, true}}));
}

TEST(SegmenterTest, PieceSizeDoesNotMatter) {
  for (size_t piece : {1, 3, 16, 17, 100}) {
    auto out = Feed(16, 50, piece);
    ASSERT_EQ(out.size(), 4u) << piece;
    EXPECT_EQ(out.back(), (Emitted{2, 3, true}));
  }
}

TEST(SegmenterTest, SinkErrorStops) {
  Segmenter s(4, [](PlainSegment, uint64_t, bool) { return absl::UnavailableError("x"); });
  EXPECT_OK(s.Append("abcd"));  // held: not known yet whether it is the last
  EXPECT_THAT(s.Append("e"), testing::StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace datamesh::file_ingest
