// ManifestStore against a real PostgreSQL (the suite's TestStack).
#include "services/file-ingest/manifest_store.h"

#include <gtest/gtest.h>

#include "file_ingest_migrations.h"
#include "shared/pg/migrations.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::file_ingest {
namespace {

using ::datamesh::testing::StatusIs;

class ManifestStoreTest : public datamesh::testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    auto pool = pg::Pool::Create({.url = stack_->pg_url()});
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "files", file_ingest_migrations()));
    store_ = std::make_unique<ManifestStore>(*pool_);
  }

  static FileRecord MakeFile(const std::string& id, const std::string& owner,
                             const std::string& name, const std::string& sha) {
    FileRecord f;
    f.id = id;
    f.owner_id = owner;
    f.name = name;
    f.content_type = "text/plain";
    f.tags = {{"k", "v \"quoted\""}, {"ü", ""}};
    f.encryption = "server";
    ContentRecord& c = f.content;
    c.id = id;
    c.owner_id = owner;
    c.size = 3 * 100;
    c.sha256 = sha;
    c.merkle_root = std::string(64, 'm');
    c.wrapped_key = std::string("\x00\x01wrapped\xff", 10);
    c.key_version = 2;
    c.nonce_prefix = std::string("\x00\x02\x03\x04", 4);
    c.codec_id = "jerasure-rs-vand-w8";
    c.data_shards = 4;
    c.parity_shards = 2;
    c.segment_size = 100;
    return f;
  }
  static std::vector<SegmentRecord> MakeSegments(const std::string& tag) {
    std::vector<SegmentRecord> segs;
    for (uint64_t i = 0; i < 3; ++i) {
      SegmentRecord s{i, 100, 90, i == 1, 32, std::string(64, 'a' + i), {}};
      for (int j = 0; j < 6; ++j) {
        s.shards.push_back({j,
                            tag + std::to_string(i) + "-" + std::to_string(j),
                            {"node-" + std::to_string(j), "127.0.0.1:" + std::to_string(j)}});
      }
      segs.push_back(std::move(s));
    }
    return segs;
  }
  static std::string Event(const FileRecord& f, bool dedup) {
    return f.id + (dedup ? ":dedup" : ":new");
  }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<ManifestStore> store_;
};

TEST_F(ManifestStoreTest, CommitGetAndOwnerIsolation) {
  auto committed = store_->CommitFile(MakeFile("f1", "alice", "docs/a.txt", std::string(64, '1')),
                                      MakeSegments("s1-"), false, Event);
  ASSERT_OK(committed);
  EXPECT_FALSE(committed->deduplicated);
  auto got = store_->GetFile("alice", "f1");
  ASSERT_OK(got);
  EXPECT_EQ(got->name, "docs/a.txt");
  EXPECT_EQ(got->tags.at("k"), "v \"quoted\"");
  EXPECT_EQ(got->tags.count("ü"), 1u);
  EXPECT_EQ(got->content.wrapped_key, std::string("\x00\x01wrapped\xff", 10));
  EXPECT_EQ(got->content.nonce_prefix.size(), 4u);
  EXPECT_EQ(got->content.key_version, 2u);
  EXPECT_FALSE(got->content.inline_data.has_value());
  EXPECT_EQ(got->created_at, committed->file.created_at);
  EXPECT_THAT(store_->GetFile("mallory", "f1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->GetFile("alice", "nope"), StatusIs(absl::StatusCode::kNotFound));
  auto segs = store_->GetSegments("f1");
  ASSERT_OK(segs);
  ASSERT_EQ(segs->size(), 3u);
  EXPECT_TRUE((*segs)[1].compressed);
  ASSERT_EQ((*segs)[2].shards.size(), 6u);
  EXPECT_EQ((*segs)[2].shards[5].shard_id, "s1-2-5");
  EXPECT_EQ((*segs)[2].shards[5].node.address, "127.0.0.1:5");
  // The outbox holds the event until drained.
  std::vector<std::string> published;
  auto n = store_->DrainOutbox(10, [&](const std::string& e) {
    published.push_back(e);
    return absl::OkStatus();
  });
  ASSERT_OK(n);
  EXPECT_EQ(published, std::vector<std::string>{"f1:new"});
}

TEST_F(ManifestStoreTest, InlineFileListAndPagination) {
  for (const char* name : {"b", "a/x", "a/y", "c"}) {
    FileRecord f = MakeFile(std::string("l-") + name, "lister", name, std::string(64, 'f'));
    f.content.sha256 = std::string(63, 'e') + name[0];
    f.content.inline_data = std::string("\0sealed", 7);
    ASSERT_OK(store_->CommitFile(f, {}, false, Event));
  }
  auto all = store_->ListFiles("lister", "", 2, "");
  ASSERT_OK(all);
  ASSERT_EQ(all->files.size(), 2u);
  EXPECT_EQ(all->files[0].name, "a/x");
  EXPECT_EQ(*all->files[0].content.inline_data, std::string("\0sealed", 7));
  ASSERT_TRUE(all->next_cursor.has_value());
  auto next = store_->ListFiles("lister", "", 2, *all->next_cursor);
  ASSERT_OK(next);
  ASSERT_EQ(next->files.size(), 2u);
  EXPECT_EQ(next->files[1].name, "c");
  EXPECT_FALSE(next->next_cursor.has_value());
  auto prefixed = store_->ListFiles("lister", "a/", 10, "");
  ASSERT_OK(prefixed);
  EXPECT_EQ(prefixed->files.size(), 2u);
  auto other = store_->ListFiles("someone-else", "", 10, "");
  ASSERT_OK(other);
  EXPECT_TRUE(other->files.empty());
  EXPECT_THAT(store_->ListFiles("lister", "", 2, "%%%"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Cursors that decode to bytes PostgreSQL would refuse are bad cursors, not internal errors:
  // "ab\0\xcf" (id not printable) and "\xff\0id" (name not UTF-8).
  EXPECT_THAT(store_->ListFiles("lister", "", 2, "YWIAzw"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->ListFiles("lister", "", 2, "_wBpZA"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ManifestStoreTest, UpdateMetadata) {
  ASSERT_OK(store_->CommitFile(MakeFile("u1", "bob", "old", std::string(64, '2')),
                               MakeSegments("u1-"), false, Event));
  auto renamed = store_->UpdateMetadata("bob", "u1", "new", std::nullopt);
  ASSERT_OK(renamed);
  EXPECT_EQ(renamed->name, "new");
  EXPECT_EQ(renamed->tags.size(), 2u);
  auto retagged =
      store_->UpdateMetadata("bob", "u1", std::nullopt, std::map<std::string, std::string>{});
  ASSERT_OK(retagged);
  EXPECT_TRUE(retagged->tags.empty());
  EXPECT_EQ(retagged->name, "new");
  EXPECT_THAT(store_->UpdateMetadata("eve", "u1", "stolen", std::nullopt),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ManifestStoreTest, DedupSharesContentAndDeleteFreesShardsOnce) {
  const std::string sha(64, '3');
  ASSERT_OK(
      store_->CommitFile(MakeFile("d1", "carol", "one", sha), MakeSegments("d1-"), false, Event));
  // Same bytes again: links to d1's content; the new upload's shards are queued for deletion.
  auto second =
      store_->CommitFile(MakeFile("d2", "carol", "two", sha), MakeSegments("d2-"), false, Event);
  ASSERT_OK(second);
  EXPECT_TRUE(second->deduplicated);
  EXPECT_EQ(second->file.content.id, "d1");
  auto linked = store_->CommitFile(MakeFile("d3", "carol", "three", sha), {}, true, Event);
  ASSERT_OK(linked);
  EXPECT_TRUE(linked->deduplicated);
  // Another owner's identical bytes are not shared.
  auto foreign = store_->CommitFile(MakeFile("d4", "dave", "x", sha), {}, true, Event);
  EXPECT_THAT(foreign, StatusIs(absl::StatusCode::kAborted));

  std::vector<std::string> deleted;
  auto drain = [&] {
    return store_->DrainShardDeletions(1000, [&](const ShardDeletion& d) {
      deleted.push_back(d.shard_id);
      return absl::OkStatus();
    });
  };
  ASSERT_OK(drain());
  EXPECT_EQ(deleted.size(), 18u);  // d2's own shards
  EXPECT_EQ(deleted[0].substr(0, 3), "d2-");
  deleted.clear();
  int64_t outbox = 0;
  ASSERT_OK(store_->DeleteFile("carol", "d1", Event, &outbox));
  ASSERT_OK(store_->DeleteFile("carol", "d2", Event, &outbox));
  ASSERT_OK(drain());
  EXPECT_TRUE(deleted.empty());  // d3 still references the content
  auto d3 = store_->GetFile("carol", "d3");
  ASSERT_OK(d3);
  EXPECT_THAT(store_->DeleteFile("mallory", "d3", Event, &outbox),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(store_->DeleteFile("carol", "d3", Event, &outbox));
  ASSERT_OK(drain());
  EXPECT_EQ(deleted.size(), 18u);
  EXPECT_EQ(deleted[0].substr(0, 3), "d1-");
  EXPECT_THAT(store_->GetFile("carol", "d3"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ManifestStoreTest, FailedDeletionsStayQueued) {
  ASSERT_OK(store_->EnqueueShardDeletions({{0, "orphan", {"n1", "a1"}}}));
  auto n = store_->DrainShardDeletions(
      1000, [](const ShardDeletion&) { return absl::UnavailableError("node down"); });
  ASSERT_OK(n);
  EXPECT_EQ(*n, 0);
  int seen = 0;
  ASSERT_OK(store_->DrainShardDeletions(1000, [&](const ShardDeletion& d) {
    seen += d.shard_id == "orphan";
    return absl::OkStatus();
  }));
  EXPECT_EQ(seen, 1);
}

TEST_F(ManifestStoreTest, UsageTotals) {
  ASSERT_OK(store_->CommitFile(MakeFile("g1", "gina", "a", std::string(64, '9')),
                               MakeSegments("g1-"), false, Event));
  auto usage = store_->Usage("gina");
  ASSERT_OK(usage);
  EXPECT_EQ(usage->file_count, 1u);
  EXPECT_EQ(usage->logical_bytes, 300u);
  EXPECT_EQ(usage->stored_bytes, 3u * 32u * 6u);
  EXPECT_EQ(usage->owner_count, 1u);
}

// Shards still being written when their segment was acknowledged, and shards no node took:
// stored with their state, settled later, and never queued for deletion without a node.
TEST_F(ManifestStoreTest, ShardStatesAreKeptSettledAndMissingOnesNeverQueued) {
  std::vector<SegmentRecord> segs = MakeSegments("w1-");
  segs[0].shards[5].state = ShardState::kWriting;
  segs[1].shards[4].state = ShardState::kWriting;
  segs[2].shards[3].state = ShardState::kMissing;
  segs[2].shards[3].node = {};
  ASSERT_OK(store_->CommitFile(MakeFile("w1", "wendy", "a", std::string(64, 'w')), segs, false,
                               Event));
  auto stored = store_->GetSegments("w1");
  ASSERT_OK(stored);
  EXPECT_EQ((*stored)[0].shards[5].state, ShardState::kWriting);
  EXPECT_EQ((*stored)[0].shards[4].state, ShardState::kStored);
  EXPECT_EQ((*stored)[2].shards[3].state, ShardState::kMissing);
  EXPECT_EQ((*stored)[2].shards[3].node.id, "");

  // The first late write landed, the second failed; a settlement naming another node (repair
  // moved the shard meanwhile) changes nothing.
  ASSERT_OK(store_->SettleWritingShards({{"w1", 0, 5, "node-5", true},
                                         {"w1", 1, 4, "node-4", false},
                                         {"w1", 0, 5, "node-9", false}}));
  stored = store_->GetSegments("w1");
  ASSERT_OK(stored);
  EXPECT_EQ((*stored)[0].shards[5].state, ShardState::kStored);
  EXPECT_EQ((*stored)[0].shards[5].node.id, "node-5");
  EXPECT_EQ((*stored)[1].shards[4].state, ShardState::kMissing);
  EXPECT_EQ((*stored)[1].shards[4].node.id, "");
  EXPECT_EQ((*stored)[1].shards[4].node.address, "");

  // Deleting the file queues the 16 shards that have a node, not the 2 missing ones.
  int64_t outbox = 0;
  ASSERT_OK(store_->DeleteFile("wendy", "w1", Event, &outbox));
  ASSERT_OK(store_->EnqueueShardDeletions({{0, "lost", {}, ShardState::kMissing}}));
  std::vector<ShardDeletion> queued;
  ASSERT_OK(store_->DrainShardDeletions(1000, [&](const ShardDeletion& d) {
    if (d.shard_id.rfind("w1-", 0) == 0 || d.shard_id == "lost") queued.push_back(d);
    return absl::OkStatus();
  }));
  EXPECT_EQ(queued.size(), 16u);
  for (const ShardDeletion& d : queued) EXPECT_FALSE(d.node.id.empty()) << d.shard_id;
}

}  // namespace
}  // namespace datamesh::file_ingest
