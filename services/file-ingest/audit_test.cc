// Audits: the stripe check names the bad shard (k = 4, m = 2) and only detects one with m = 1,
// for both codec backends; AuditSegment's per-shard verdicts for answers that are right,
// wrong, missing, short or absent; the stripe range stays inside the shard.
#include "services/file-ingest/audit.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "services/file-ingest/audit_stripe.h"
#include "shared/crypto/random.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::file_ingest {
namespace {

std::vector<erasure::Backend> Backends() {
  std::vector<erasure::Backend> out = {erasure::Backend::kJerasure};
  if (erasure::HasBackend(erasure::Backend::kIsaL)) out.push_back(erasure::Backend::kIsaL);
  return out;
}

// The k + m shards of a random segment of `bytes`.
std::vector<std::string> EncodedShards(const erasure::ErasureCodec& codec, size_t bytes) {
  std::string segment = *crypto::RandomBytes(bytes);
  auto shards = codec.EncodeSegment(segment);
  EXPECT_TRUE(shards.ok());
  return *shards;
}

std::vector<std::optional<std::string>> Stripes(const std::vector<std::string>& shards,
                                                StripeRange range) {
  std::vector<std::optional<std::string>> out;
  for (const std::string& s : shards) out.push_back(s.substr(range.offset, range.length));
  return out;
}

TEST(CheckStripesTest, NamesTheOneWrongStripeWithTwoParityShards) {
  for (erasure::Backend backend : Backends()) {
    SCOPED_TRACE(erasure::BackendName(backend));
    auto codec = erasure::MakeCodec(backend, 4, 2);
    ASSERT_OK(codec.status());
    std::vector<std::string> shards = EncodedShards(**codec, 1 << 20);
    StripeRange range = ChooseStripe(**codec, shards[0].size(), 4096, 987654321);
    ASSERT_EQ(range.length, 4096u);
    ASSERT_LE(range.offset + range.length, shards[0].size());
    auto clean = CheckStripes(**codec, Stripes(shards, range));
    ASSERT_OK(clean.status());
    EXPECT_TRUE(clean->checked);
    EXPECT_TRUE(clean->consistent);
    EXPECT_EQ(clean->culprit, -1);
    for (int bad = 0; bad < 6; ++bad) {
      auto stripes = Stripes(shards, range);
      (*stripes[bad])[bad * 100 + 7] ^= 0x40;
      auto verdict = CheckStripes(**codec, stripes);
      ASSERT_OK(verdict.status());
      EXPECT_TRUE(verdict->checked);
      EXPECT_FALSE(verdict->consistent) << "shard " << bad;
      EXPECT_EQ(verdict->culprit, bad);
    }
  }
}

TEST(CheckStripesTest, OneParityShardDetectsButCannotBlame) {
  for (erasure::Backend backend : Backends()) {
    SCOPED_TRACE(erasure::BackendName(backend));
    auto codec = erasure::MakeCodec(backend, 4, 1);
    ASSERT_OK(codec.status());
    std::vector<std::string> shards = EncodedShards(**codec, 100000);
    StripeRange range = ChooseStripe(**codec, shards[0].size(), 4096, 42);
    EXPECT_TRUE(CheckStripes(**codec, Stripes(shards, range))->consistent);
    auto stripes = Stripes(shards, range);
    (*stripes[2])[0] ^= 1;
    auto verdict = CheckStripes(**codec, stripes);
    ASSERT_OK(verdict.status());
    EXPECT_TRUE(verdict->checked);
    EXPECT_FALSE(verdict->consistent);
    EXPECT_EQ(verdict->culprit, -1);
  }
}

TEST(CheckStripesTest, MissingStripesLowerWhatCanBeTold) {
  auto codec = erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2);
  ASSERT_OK(codec.status());
  std::vector<std::string> shards = EncodedShards(**codec, 50000);
  StripeRange range = ChooseStripe(**codec, shards[0].size(), 4096, 7);
  // Five of six present and one wrong: detected, not attributable.
  auto stripes = Stripes(shards, range);
  stripes[5].reset();
  (*stripes[1])[3] ^= 0xff;
  auto five = CheckStripes(**codec, stripes);
  ASSERT_OK(five.status());
  EXPECT_TRUE(five->checked);
  EXPECT_FALSE(five->consistent);
  EXPECT_EQ(five->culprit, -1);
  // Only k present: nothing to check against.
  stripes[4].reset();
  auto four = CheckStripes(**codec, stripes);
  ASSERT_OK(four.status());
  EXPECT_FALSE(four->checked);
  // Two wrong of six: detected; no single exclusion explains it.
  auto two = Stripes(shards, range);
  (*two[0])[0] ^= 1;
  (*two[3])[9] ^= 1;
  auto verdict = CheckStripes(**codec, two);
  ASSERT_OK(verdict.status());
  EXPECT_FALSE(verdict->consistent);
  EXPECT_EQ(verdict->culprit, -1);
}

TEST(CheckStripesTest, RejectsMalformedStripes) {
  auto codec = erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2);
  ASSERT_OK(codec.status());
  std::vector<std::optional<std::string>> five(5, std::string(64, 'a'));
  EXPECT_THAT(CheckStripes(**codec, five).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::optional<std::string>> uneven(6, std::string(64, 'a'));
  uneven[2] = std::string(32, 'a');
  EXPECT_THAT(CheckStripes(**codec, uneven).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::optional<std::string>> odd(6, std::string(5, 'a'));
  EXPECT_THAT(CheckStripes(**codec, odd).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ChooseStripeTest, StaysInsideTheShardOnGranuleBoundaries) {
  auto codec = erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2);
  ASSERT_OK(codec.status());
  const uint64_t granule = (*codec)->ShardSize(1);
  for (uint64_t shard : {granule, 4 * granule, uint64_t{4096}, uint64_t{1 << 20}}) {
    for (uint64_t r : {uint64_t{0}, uint64_t{1}, uint64_t{123456789}, ~uint64_t{0}}) {
      StripeRange range = ChooseStripe(**codec, shard, 4096, r);
      EXPECT_GT(range.length, 0u);
      EXPECT_EQ(range.length % granule, 0u);
      EXPECT_EQ(range.offset % granule, 0u);
      EXPECT_LE(range.offset + range.length, shard);
    }
  }
}

// Shards held in memory per (node, shard id), with nodes that fail in chosen ways.
class FakeStripeReader : public StripeReader {
 public:
  void Put(const std::string& node, const std::string& id, std::string bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    held_[{node, id}] = std::move(bytes);
  }
  void FailNode(const std::string& node, absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status.ok()) {
      failing_.erase(node);
    } else {
      failing_[node] = std::move(status);
    }
  }
  absl::StatusOr<std::string> ReadRange(const NodeRef& node, const std::string& id, uint64_t offset,
                                        uint64_t length) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto f = failing_.find(node.id); f != failing_.end()) return f->second;
    auto it = held_.find({node.id, id});
    if (it == held_.end()) return absl::NotFoundError("shard not held");
    if (offset >= it->second.size()) return absl::OutOfRangeError("offset past the end");
    return it->second.substr(offset, length);
  }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::string> held_;
  std::map<std::string, absl::Status> failing_;
};

TEST(AuditSegmentTest, JudgesEachShardByItsAnswer) {
  auto codec = erasure::MakeCodec(erasure::Backend::kJerasure, 4, 2);
  ASSERT_OK(codec.status());
  std::vector<std::string> shards = EncodedShards(**codec, 200000);
  SegmentLayout seg{"content", 3, shards[0].size(), 4, 2, std::string((*codec)->id()), {}};
  FakeStripeReader reader;
  for (int i = 0; i < 6; ++i) {
    const std::string node = "node-" + std::to_string(i), id = "shard-" + std::to_string(i);
    seg.shards.push_back({i, id, {node, "addr"}});
    reader.Put(node, id, shards[i]);
  }
  auto all_good = AuditSegment(seg, reader, 4096, 5);
  ASSERT_OK(all_good.status());
  for (const ShardAudit& a : *all_good) EXPECT_EQ(a.outcome, AuditOutcome::kSuccess);

  // Node 2 flipped bytes everywhere: named with every other shard answering.
  std::string flipped = shards[2];
  for (char& c : flipped) c = static_cast<char>(c ^ 0x5a);
  reader.Put("node-2", "shard-2", flipped);
  auto corrupt = AuditSegment(seg, reader, 4096, 5);
  ASSERT_OK(corrupt.status());
  for (const ShardAudit& a : *corrupt) {
    EXPECT_EQ(a.outcome, a.shard_index == 2 ? AuditOutcome::kFailure : AuditOutcome::kSuccess)
        << a.shard_index;
  }

  // Node 2 back to good; node 4 lost its shard, node 5 does not answer: failure and offline,
  // and the four others (exactly k) can no longer be checked against anything.
  reader.Put("node-2", "shard-2", shards[2]);
  seg.shards[4].shard_id = "gone";
  reader.FailNode("node-5", absl::DeadlineExceededError("no answer"));
  auto mixed = AuditSegment(seg, reader, 4096, 5);
  ASSERT_OK(mixed.status());
  EXPECT_EQ((*mixed)[4].outcome, AuditOutcome::kFailure);
  EXPECT_EQ((*mixed)[5].outcome, AuditOutcome::kOffline);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*mixed)[i].outcome, AuditOutcome::kUnknown) << i;

  // A shard cut short on disk: its node answers fewer bytes (or none past its end) and fails;
  // the other five still agree.
  seg.shards[4].shard_id = "shard-4";
  reader.Put("node-4", "shard-4", shards[4].substr(0, 10));
  reader.FailNode("node-5", absl::OkStatus());
  auto cut = AuditSegment(seg, reader, 4096, 5);
  ASSERT_OK(cut.status());
  for (const ShardAudit& a : *cut) {
    EXPECT_EQ(a.outcome, a.shard_index == 4 ? AuditOutcome::kFailure : AuditOutcome::kSuccess)
        << a.shard_index;
  }
}

TEST(AuditSegmentTest, UnknownCodecIsInvalidArgument) {
  SegmentLayout seg{"c", 0, 64, 4, 2, "no-such-codec", {}};
  FakeStripeReader reader;
  EXPECT_THAT(AuditSegment(seg, reader, 4096, 1).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AuditEventTest, CarriesTheShardAndItsVerdict) {
  SegmentLayout seg{"content-1", 7, 64, 4, 2, "jerasure-rs-vand-w8", {}};
  ShardAudit r{5, "abc", {"node-x", "addr"}, AuditOutcome::kFailure, "stripe inconsistent"};
  events::v1::Event e = AuditEvent("file-ingest/i1", "audit-1", seg, r);
  EXPECT_EQ(e.type(), "file.audit.result");
  ASSERT_TRUE(e.has_file_audit_result());
  EXPECT_EQ(e.file_audit_result().node_id(), "node-x");
  EXPECT_EQ(e.file_audit_result().outcome(), "failure");
  EXPECT_EQ(e.file_audit_result().segment_index(), 7u);
  EXPECT_EQ(e.file_audit_result().shard_index(), 5u);
  EXPECT_EQ(e.file_audit_result().audit_id(), "audit-1");
}

}  // namespace
}  // namespace datamesh::file_ingest
