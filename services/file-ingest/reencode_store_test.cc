// ReencodeStore against a real PostgreSQL (the suite's TestStack): which contents are stale,
// usage by shape, and the switch -- refused when the content or a shard row changed since it
// was read, otherwise one transaction that replaces rows and shape and queues the old shards
// after the delay; resume points and abandoned jobs.
#include "services/file-ingest/reencode_store.h"

#include <gtest/gtest.h>

#include "file_ingest_migrations.h"
#include "services/file-ingest/manifest_store.h"
#include "shared/pg/migrations.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::file_ingest {
namespace {

class ReencodeStoreTest : public datamesh::testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    auto pool = pg::Pool::Create({.url = stack_->pg_url()});
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "files", file_ingest_migrations()));
    ASSERT_OK(pool_->Transact([](pqxx::work& w) {
      w.exec(
          "TRUNCATE files.contents, files.files, files.segments, files.shards, "
          "files.shard_deletions, files.maintenance_jobs CASCADE");
      return absl::OkStatus();
    }));
    manifests_ = std::make_unique<ManifestStore>(*pool_);
    store_ = std::make_unique<ReencodeStore>(*pool_);
  }

  // A committed 4+2 file of two segments (90 stored bytes each) on nodes 0-5.
  void Commit(const std::string& id) {
    FileRecord f;
    f.id = id;
    f.owner_id = "alice";
    f.name = id;
    f.content_type = "text/plain";
    f.encryption = "server";
    ContentRecord& c = f.content;
    c.id = id;
    c.owner_id = "alice";
    c.size = 200;
    c.sha256 = std::string(64, id[0]);
    c.merkle_root = std::string(64, 'm');
    c.wrapped_key = "wrapped";
    c.key_version = 1;
    c.nonce_prefix = "pref";
    c.codec_id = "jerasure-rs-vand-w8";
    c.data_shards = 4;
    c.parity_shards = 2;
    c.segment_size = 100;
    std::vector<SegmentRecord> segs;
    for (uint64_t i = 0; i < 2; ++i) {
      SegmentRecord s{i, 100, 90, false, 32, std::string(64, 'a'), {}};
      for (int j = 0; j < 6; ++j) {
        s.shards.push_back({j,
                            id + "-old-" + std::to_string(i) + "-" + std::to_string(j),
                            {"node-" + std::to_string(j), "addr"}});
      }
      segs.push_back(std::move(s));
    }
    ASSERT_OK(
        manifests_->CommitFile(f, segs, false, [](const FileRecord& r, bool) { return r.id; }));
  }

  // The content re-encoded as 3+3 on nodes 10-15.
  static std::vector<ReencodedSegment> NewShape(const StoredContent& c) {
    std::vector<ReencodedSegment> out;
    for (const StoredSegment& seg : c.segments) {
      ReencodedSegment r{seg.index, 48, {}};
      for (int j = 0; j < 6; ++j) {
        r.shards.push_back(
            {j,
             c.content_id + "-new-" + std::to_string(seg.index) + "-" + std::to_string(j),
             {"node-1" + std::to_string(j), "addr"}});
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_OK(pool_->Transact([&](pqxx::work& w) {
      n = w.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    }));
    return n;
  }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<ManifestStore> manifests_;
  std::unique_ptr<ReencodeStore> store_;
};

TEST_F(ReencodeStoreTest, ListsAndCountsContentsOfAnotherShape) {
  Commit("a1");
  Commit("b2");
  auto stale = store_->ListStale(3, 3, "", 10);
  ASSERT_OK(stale);
  EXPECT_EQ(*stale, (std::vector<std::string>{"a1", "b2"}));
  stale = store_->ListStale(3, 3, "a1", 10);
  ASSERT_OK(stale);
  EXPECT_EQ(*stale, (std::vector<std::string>{"b2"}));
  stale = store_->ListStale(4, 2, "", 10);
  ASSERT_OK(stale);
  EXPECT_TRUE(stale->empty());
  auto count = store_->CountStale(3, 3);
  ASSERT_OK(count);
  EXPECT_EQ(count->first, 2u);
  EXPECT_EQ(count->second, 4u * (90 + 16));  // four segments, each payload and GCM tag
  auto shapes = store_->UsageByShape();
  ASSERT_OK(shapes);
  ASSERT_EQ(shapes->size(), 1u);
  EXPECT_EQ((*shapes)[0].data_shards, 4);
  EXPECT_EQ((*shapes)[0].contents, 2u);
}

TEST_F(ReencodeStoreTest, SwitchReplacesRowsAndShapeAndFreesTheOldShardsLater) {
  Commit("a1");
  auto old = store_->Load("a1");
  ASSERT_OK(old);
  ASSERT_EQ(old->segments.size(), 2u);
  ASSERT_EQ(old->segments[1].shards.size(), 6u);
  EXPECT_EQ(old->segments[0].stored_size, 90u);

  auto switched =
      store_->Switch(*old, "jerasure-rs-vand-w8", 3, 3, NewShape(*old), absl::Minutes(10));
  ASSERT_OK(switched);
  EXPECT_TRUE(*switched);
  EXPECT_EQ(Count("SELECT count(*) FROM files.contents WHERE data_shards = 3 AND "
                  "parity_shards = 3"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM files.shards WHERE shard_id LIKE 'a1-new-%'"), 12);
  EXPECT_EQ(Count("SELECT count(*) FROM files.shards WHERE shard_id LIKE 'a1-old-%'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM files.segments WHERE shard_size = 48"), 2);
  // The old shards wait out the delay before the deletion worker may take them.
  EXPECT_EQ(Count("SELECT count(*) FROM files.shard_deletions WHERE shard_id LIKE 'a1-old-%' "
                  "AND not_before > now() + interval '9 minutes'"),
            12);
  auto stale = store_->ListStale(3, 3, "", 10);
  ASSERT_OK(stale);
  EXPECT_TRUE(stale->empty());

  // The same switch again finds the shape changed: nothing happens.
  switched = store_->Switch(*old, "jerasure-rs-vand-w8", 3, 3, NewShape(*old), absl::Minutes(10));
  ASSERT_OK(switched);
  EXPECT_FALSE(*switched);
  EXPECT_EQ(Count("SELECT count(*) FROM files.shard_deletions"), 12);
}

TEST_F(ReencodeStoreTest, ASwitchAfterARepairMovedAShardChangesNothing) {
  Commit("a1");
  auto old = store_->Load("a1");
  ASSERT_OK(old);
  // Repair moved one shard while the job was writing the new ones.
  ASSERT_OK(pool_->Transact([](pqxx::work& w) {
    w.exec(
        "UPDATE files.shards SET node_id = 'node-9' WHERE content_id = 'a1' AND "
        "segment_idx = 1 AND shard_idx = 2");
    return absl::OkStatus();
  }));
  auto switched =
      store_->Switch(*old, "jerasure-rs-vand-w8", 3, 3, NewShape(*old), absl::Minutes(10));
  ASSERT_OK(switched);
  EXPECT_FALSE(*switched);
  EXPECT_EQ(Count("SELECT count(*) FROM files.shards WHERE shard_id LIKE 'a1-old-%'"), 12);
  EXPECT_EQ(Count("SELECT count(*) FROM files.shard_deletions"), 0);

  // A deleted content cannot be switched either, and Load says it is gone.
  ASSERT_OK(pool_->Transact([](pqxx::work& w) {
    w.exec("DELETE FROM files.files WHERE content_id = 'a1'");
    w.exec("DELETE FROM files.contents WHERE id = 'a1'");
    return absl::OkStatus();
  }));
  switched = store_->Switch(*old, "jerasure-rs-vand-w8", 3, 3, NewShape(*old), absl::Minutes(10));
  ASSERT_OK(switched);
  EXPECT_FALSE(*switched);
  EXPECT_EQ(store_->Load("a1").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ReencodeStoreTest, AJobResumesFromTheLastUnfinishedJobOfTheSameShape) {
  ASSERT_OK(pool_->Transact([](pqxx::work& w) {
    w.exec(
        "INSERT INTO files.maintenance_jobs (id, action, state, instance_id, created_at) "
        "VALUES ('j1', 'reencode', 'running', 'fi-1', now() - interval '1 minute')");
    return absl::OkStatus();
  }));
  ASSERT_OK(store_->SaveProgress("j1", {"3+3", "c42", 4096}, 5, 4, "re-encoding"));
  ASSERT_OK(store_->AbandonEarlierRun("fi-1"));
  EXPECT_EQ(Count("SELECT count(*) FROM files.maintenance_jobs WHERE state = 'failed'"), 1);
  auto at = store_->ResumePoint("j2", "3+3");
  ASSERT_OK(at);
  EXPECT_EQ(at->cursor, "c42");
  EXPECT_EQ(at->bytes, 4096u);
  at = store_->ResumePoint("j2", "5+2");  // another shape starts over
  ASSERT_OK(at);
  EXPECT_EQ(at->cursor, "");
}

}  // namespace
}  // namespace datamesh::file_ingest
