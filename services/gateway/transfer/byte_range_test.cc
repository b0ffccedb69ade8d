#include "services/gateway/transfer/byte_range.h"

#include <gtest/gtest.h>

namespace datamesh::gateway {
namespace {

using Kind = RangeRequest::Kind;

void ExpectPartial(std::string_view header, uint64_t size, uint64_t offset, uint64_t length) {
  RangeRequest r = ParseRange(header, size);
  EXPECT_EQ(r.kind, Kind::kPartial) << header;
  EXPECT_EQ(r.offset, offset) << header;
  EXPECT_EQ(r.length, length) << header;
}

TEST(ByteRangeTest, AbsentIsWhole) { EXPECT_EQ(ParseRange(std::nullopt, 10).kind, Kind::kWhole); }

TEST(ByteRangeTest, ClosedOpenAndClampedRanges) {
  ExpectPartial("bytes=0-0", 10, 0, 1);
  ExpectPartial("bytes=2-5", 10, 2, 4);
  ExpectPartial("bytes=7-", 10, 7, 3);
  ExpectPartial("bytes=5-100", 10, 5, 5);
  ExpectPartial(" bytes=1-2 ", 10, 1, 2);
}

TEST(ByteRangeTest, SuffixRanges) {
  ExpectPartial("bytes=-3", 10, 7, 3);
  ExpectPartial("bytes=-100", 10, 0, 10);
  EXPECT_EQ(ParseRange("bytes=-0", 10).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-5", 0).kind, Kind::kUnsatisfiable);
}

TEST(ByteRangeTest, Unsatisfiable) {
  EXPECT_EQ(ParseRange("bytes=10-", 10).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=10-20", 10).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-", 0).kind, Kind::kUnsatisfiable);
}

// Found by fuzz/byte_range_fuzz.cc: numbers of 20 digits (with leading zeros, or near 2^64) were
// ignored, so the Content-Range of a 206 could name a range the server would not parse back.
TEST(ByteRangeTest, NumbersOfAnyLengthThatFitAreRead) {
  ExpectPartial("bytes=00000000000000000001-00000000000000000002", 10, 1, 2);
  const uint64_t huge = 18446744073709551605u;
  ExpectPartial("bytes=-1709551615", huge, huge - 1709551615, 1709551615);
  ExpectPartial("bytes=18446744071999999990-18446744073709551604", huge, 18446744071999999990u,
                1709551615);
  EXPECT_EQ(ParseRange("bytes=18446744073709551616-", huge).kind, Kind::kWhole);
}

TEST(ByteRangeTest, MalformedAndMultiRangeAreIgnored) {
  for (std::string_view h :
       {"bytes=", "bytes=a-b", "bytes=5-2", "items=0-1", "bytes=1", "bytes=--1", "bytes=0-1,3-4",
        "bytes=1-2-3", "bytes=99999999999999999999-", "bytes=+1-2"}) {
    EXPECT_EQ(ParseRange(h, 10).kind, Kind::kWhole) << h;
  }
}

}  // namespace
}  // namespace datamesh::gateway
