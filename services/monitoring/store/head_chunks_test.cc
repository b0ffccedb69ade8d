#include "services/monitoring/store/head_chunks.h"

#include <gtest/gtest.h>

#include "services/monitoring/chunks/chunk_codec.h"

namespace datamesh::monitoring::store {
namespace {

using promql::LabelMatcher;
using promql::MatchType;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

promql::Labels Series(const std::string& name, const std::string& instance = "a") {
  return promql::MakeLabels({{"__name__", name}, {"instance", instance}});
}

std::vector<LabelMatcher> Named(const std::string& name) {
  return {*LabelMatcher::Make(MatchType::kEqual, "__name__", name)};
}

// Marks every write stored, giving inserts consecutive row ids from `next_row`.
void StoreAll(std::vector<ChunkWrite>& writes, int64_t& next_row) {
  for (ChunkWrite& w : writes) {
    if (w.series_id == 0) w.series_id = 7;
    if (w.row_id == 0) w.row_id = next_row++;
    w.written = true;
  }
}

TEST(HeadChunks, RefusesOutOfOrderSamplesAndIgnoresRepeats) {
  HeadChunks heads({});
  EXPECT_EQ(heads.Append(Series("x"), 1000, 1, kNow), AppendOutcome::kAppended);
  EXPECT_EQ(heads.Append(Series("x"), 1000, 1, kNow), AppendOutcome::kDuplicate);
  EXPECT_EQ(heads.Append(Series("x"), 1000, 2, kNow), AppendOutcome::kOutOfOrder);
  EXPECT_EQ(heads.Append(Series("x"), 999, 2, kNow), AppendOutcome::kOutOfOrder);
  EXPECT_EQ(heads.Append(Series("x", "b"), 999, 2, kNow), AppendOutcome::kAppended);
  EXPECT_EQ(heads.num_series(), 2u);
}

TEST(HeadChunks, SelectsMatchingSeriesWithinTheRange) {
  HeadChunks heads({});
  for (int i = 0; i < 10; ++i) {
    heads.Append(Series("x"), i * 1000, i, kNow);
    heads.Append(Series("y"), i * 1000, -i, kNow);
  }
  const std::vector<HeadSeries> got = heads.Select(Named("x"), 2000, 4000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].labels, Series("x"));
  ASSERT_EQ(got[0].samples.size(), 3u);
  EXPECT_EQ(got[0].samples.front().t, 2000);
  EXPECT_EQ(got[0].samples.back().v, 4);
}

TEST(HeadChunks, HandsOutOnlyWhatChangedSinceTheLastWrite) {
  HeadChunks heads({});
  int64_t next_row = 100;
  heads.Append(Series("x"), 1000, 1, kNow);
  heads.Append(Series("y"), 1000, 1, kNow);
  std::vector<ChunkWrite> writes = heads.CollectWrites(kNow, false);
  ASSERT_EQ(writes.size(), 2u);
  StoreAll(writes, next_row);
  const int64_t x_row = writes[0].labels == Series("x") ? writes[0].row_id : writes[1].row_id;
  heads.Finish(std::move(writes));
  EXPECT_TRUE(heads.CollectWrites(kNow, false).empty());

  heads.Append(Series("x"), 2000, 2, kNow);
  writes = heads.CollectWrites(kNow, false);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].row_id, x_row);  // rewritten in place
  EXPECT_EQ(writes[0].series_id, 7);
  EXPECT_EQ(writes[0].samples, 2u);
  EXPECT_EQ(writes[0].min_time, 1000);
  EXPECT_EQ(writes[0].max_time, 2000);
  absl::StatusOr<std::vector<chunks::ChunkSample>> decoded = chunks::DecodeChunk(writes[0].data);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->size(), 2u);
  EXPECT_EQ(heads.Select(Named("x"), 0, 5000)[0].superseded_rows, std::vector<int64_t>{x_row});
}

TEST(HeadChunks, SealsAFullChunkAndStartsANewRow) {
  HeadChunks heads({.max_samples = 3});
  int64_t next_row = 1;
  for (int i = 0; i < 3; ++i) heads.Append(Series("x"), i * 1000, i, kNow);
  std::vector<ChunkWrite> writes = heads.CollectWrites(kNow, false);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_TRUE(writes[0].sealed);  // full: its final bytes
  EXPECT_EQ(writes[0].samples, 3u);
  StoreAll(writes, next_row);
  heads.Finish(std::move(writes));

  heads.Append(Series("x"), 3000, 3, kNow);
  writes = heads.CollectWrites(kNow, false);
  // The next chunk is a new row of the same series.
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_FALSE(writes[0].sealed);
  EXPECT_EQ(writes[0].row_id, 0);
  EXPECT_EQ(writes[0].min_time, 3000);
  EXPECT_EQ(writes[0].series_id, 7);
}

TEST(HeadChunks, AChunkSealedWhileItsWriteIsInFlightRewritesThatRow) {
  HeadChunks heads({.max_samples = 2});
  int64_t next_row = 40;
  heads.Append(Series("x"), 1000, 1, kNow);
  std::vector<ChunkWrite> in_flight = heads.CollectWrites(kNow, false);
  heads.Append(Series("x"), 2000, 2, kNow);
  heads.Append(Series("x"), 3000, 3, kNow);  // seals [1000, 2000]
  StoreAll(in_flight, next_row);
  heads.Finish(std::move(in_flight));

  std::vector<ChunkWrite> writes = heads.CollectWrites(kNow, false);
  ASSERT_EQ(writes.size(), 2u);
  const ChunkWrite& sealed = writes[0].sealed ? writes[0] : writes[1];
  const ChunkWrite& head = writes[0].sealed ? writes[1] : writes[0];
  EXPECT_EQ(sealed.row_id, 40);
  EXPECT_EQ(sealed.samples, 2u);
  EXPECT_EQ(head.row_id, 0);
  EXPECT_EQ(head.min_time, 3000);
}

TEST(HeadChunks, AFailedSealedWriteIsHandedOutAgainAndStaysReadable) {
  HeadChunks heads({.max_samples = 2});
  for (int i = 1; i <= 3; ++i) heads.Append(Series("x"), i * 1000, i, kNow);
  std::vector<ChunkWrite> writes = heads.CollectWrites(kNow, false);
  ASSERT_EQ(writes.size(), 2u);
  heads.Finish(std::move(writes));  // nothing written
  EXPECT_EQ(heads.unwritten_samples(), 3u);
  const std::vector<HeadSeries> got = heads.Select(Named("x"), 0, 10'000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples.size(), 3u);
  writes = heads.CollectWrites(kNow, false);
  EXPECT_EQ(writes.size(), 2u);
}

TEST(HeadChunks, SealsOldHeadsAndForgetsIdleSeries) {
  HeadChunks heads({.max_samples = 120, .max_age = absl::Minutes(10)});
  int64_t next_row = 1;
  heads.Append(Series("x"), 1000, 1, kNow);
  std::vector<ChunkWrite> writes = heads.CollectWrites(kNow, false);
  StoreAll(writes, next_row);
  heads.Finish(std::move(writes));
  // Ten minutes later the head is sealed (already stored: nothing to write) and forgotten.
  writes = heads.CollectWrites(kNow + absl::Minutes(10), false);
  EXPECT_TRUE(writes.empty());
  EXPECT_EQ(heads.num_series(), 0u);
}

TEST(HeadChunks, SealAllWritesEveryHeadAsFinal) {
  HeadChunks heads({});
  heads.Append(Series("x"), 1000, 1, kNow);
  heads.Append(Series("y"), 1000, 1, kNow);
  std::vector<ChunkWrite> writes = heads.CollectWrites(kNow, true);
  ASSERT_EQ(writes.size(), 2u);
  EXPECT_TRUE(writes[0].sealed && writes[1].sealed);
  EXPECT_EQ(heads.num_series(), 0u);
}

}  // namespace
}  // namespace datamesh::monitoring::store
