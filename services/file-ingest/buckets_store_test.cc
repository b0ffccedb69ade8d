// BucketStore and S3 commits (replace-on-commit) against a real PostgreSQL (the suite's
// TestStack).
#include "services/file-ingest/buckets_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "file_ingest_migrations.h"
#include "services/file-ingest/manifest_store.h"
#include "shared/pg/migrations.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::file_ingest {
namespace {

using ::datamesh::testing::StatusIs;

std::string CodeOf(const absl::Status& status) {
  auto code = status.GetPayload(kErrorCodePayload);
  return code.has_value() ? std::string(*code) : "";
}

class BucketStoreTest : public datamesh::testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    auto pool = pg::Pool::Create({.url = stack_->pg_url(), .size = 12});
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "files", file_ingest_migrations()));
    manifest_ = std::make_unique<ManifestStore>(*pool_);
    buckets_ = std::make_unique<BucketStore>(*pool_);
  }

  static std::string BucketEvent(const BucketRecord& b) { return "bucket:" + b.name; }
  static std::string FileEvent(const FileRecord& f, bool) { return "file:" + f.id; }
  static std::string DeletedEvent(const FileRecord& f, bool) { return "deleted:" + f.id; }

  absl::StatusOr<BucketRecord> Create(const std::string& owner, const std::string& name) {
    int64_t outbox = 0;
    return buckets_->Create(owner, name, BucketEvent, &outbox);
  }
  absl::StatusOr<BucketRecord> Delete(const std::string& owner, const std::string& name) {
    int64_t outbox = 0;
    return buckets_->Delete(owner, name, BucketEvent, &outbox);
  }

  // A one-segment file whose content is its own (distinct sha256 per id).
  static FileRecord MakeFile(const std::string& id, const std::string& owner,
                             const std::string& name) {
    FileRecord f;
    f.id = id;
    f.owner_id = owner;
    f.name = name;
    f.content_type = "text/plain";
    f.encryption = "server";
    ContentRecord& c = f.content;
    c.id = id;
    c.owner_id = owner;
    c.size = 100;
    c.sha256 = std::string(64 - std::min<size_t>(id.size(), 64), '0') + id;
    c.merkle_root = std::string(64, 'm');
    c.wrapped_key = "wrapped";
    c.key_version = 1;
    c.nonce_prefix = std::string("\x01\x02\x03\x04", 4);
    c.codec_id = "jerasure-rs-vand-w8";
    c.data_shards = 4;
    c.parity_shards = 2;
    c.segment_size = 100;
    return f;
  }
  static std::vector<SegmentRecord> Segment(const std::string& id) {
    SegmentRecord s{0, 100, 100, false, 25, std::string(64, 'a'), {}};
    for (int j = 0; j < 6; ++j) s.shards.push_back({j, id + "-" + std::to_string(j), {"n", "a"}});
    return {s};
  }
  // A REST upload's commit: duplicates of a name are allowed.
  void CommitRest(const std::string& id, const std::string& owner, const std::string& name) {
    ASSERT_OK(manifest_->CommitFile(MakeFile(id, owner, name), Segment(id), false, FileEvent));
  }
  absl::StatusOr<CommitResult> CommitS3(const std::string& id, const std::string& owner,
                                        const std::string& name, const std::string& md5 = "") {
    FileRecord f = MakeFile(id, owner, name);
    f.md5 = md5;
    f.object_metadata = {{"x-amz-meta-color", "blue"}};
    return manifest_->CommitFile(f, Segment(id), CommitOptions{false, DeletedEvent}, FileEvent);
  }
  int64_t Count(const std::string& sql) {
    int64_t n = 0;
    EXPECT_OK(pool_->Transact([&](pqxx::work& w) {
      n = w.exec1(sql)[0].as<int64_t>();
      return absl::OkStatus();
    }));
    return n;
  }
  // Every entry of a listing, paging by next_start_after with `max_keys` per page: keys as
  // "k:<key>", prefixes as "p:<prefix>", in the order returned.
  std::vector<std::string> ListAll(const std::string& owner, ObjectQuery q, int* pages) {
    std::vector<std::string> out;
    *pages = 0;
    for (;;) {
      auto page = buckets_->ListObjects(owner, q);
      EXPECT_OK(page);
      if (!page.ok()) return out;
      ++*pages;
      // Keys and prefixes interleave in byte order; merge them back into one sequence.
      size_t i = 0, j = 0;
      const size_t base = q.bucket.size() + 1;
      while (i < page->objects.size() || j < page->common_prefixes.size()) {
        const bool take_key = j == page->common_prefixes.size() ||
                              (i < page->objects.size() &&
                               page->objects[i].name.substr(base) < page->common_prefixes[j]);
        out.push_back(take_key ? "k:" + page->objects[i++].name.substr(base)
                               : "p:" + page->common_prefixes[j++]);
      }
      if (!page->is_truncated) return out;
      if (*pages > 100) {
        ADD_FAILURE() << "listing does not end";
        return out;
      }
      q.start_after = page->next_start_after;
    }
  }

  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<ManifestStore> manifest_;
  std::unique_ptr<BucketStore> buckets_;
};

TEST_F(BucketStoreTest, BucketLifecycleAndOwnership) {
  auto created = Create("alice", "photos");
  ASSERT_OK(created);
  EXPECT_EQ(created->owner_id, "alice");
  auto again = Create("alice", "photos");
  EXPECT_THAT(again.status(), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(CodeOf(again.status()), "BUCKET_ALREADY_OWNED_BY_YOU");
  auto taken = Create("bob", "photos");
  EXPECT_THAT(taken.status(), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(CodeOf(taken.status()), "BUCKET_ALREADY_EXISTS");
  ASSERT_OK(Create("alice", "archive"));
  ASSERT_OK(Create("bob", "bobs"));

  auto got = buckets_->Get("photos");
  ASSERT_OK(got);
  EXPECT_EQ(got->owner_id, "alice");
  EXPECT_THAT(buckets_->Get("nothing").status(), StatusIs(absl::StatusCode::kNotFound));
  auto listed = buckets_->List("alice");
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "archive");
  EXPECT_EQ((*listed)[1].name, "photos");

  EXPECT_THAT(Delete("bob", "photos").status(), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Delete("alice", "nothing").status(), StatusIs(absl::StatusCode::kNotFound));
  // Names beside the bucket's range ("photos0", "photosx") and another owner's "photos/..." do
  // not make it non-empty; the owner's "photos/a.jpg" does.
  CommitRest("f1", "alice", "photos0");
  CommitRest("f2", "alice", "photosx");
  CommitRest("f3", "bob", "photos/b.jpg");
  CommitRest("f4", "alice", "photos/a.jpg");
  auto busy = Delete("alice", "photos");
  EXPECT_THAT(busy.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(CodeOf(busy.status()), "BUCKET_NOT_EMPTY");
  int64_t outbox = 0;
  ASSERT_OK(manifest_->DeleteFile("alice", "f4", FileEvent, &outbox));
  ASSERT_OK(Delete("alice", "photos"));
  EXPECT_THAT(buckets_->Get("photos").status(), StatusIs(absl::StatusCode::kNotFound));
  // Created, created, created, deleted: one durable event each, in the outbox.
  EXPECT_EQ(Count("SELECT count(*) FROM files.outbox WHERE encode(event, 'escape') LIKE "
                  "'bucket:%'"),
            4);
  // Free again: anyone may take the name.
  ASSERT_OK(Create("bob", "photos"));
}

TEST_F(BucketStoreTest, S3CommitReplacesEveryOtherFileOfTheNameAsDeleteWould) {
  ASSERT_OK(Create("carol", "docs"));
  CommitRest("old1", "carol", "docs/report.pdf");
  CommitRest("old2", "carol", "docs/report.pdf");  // REST allows duplicates
  CommitRest("keep", "carol", "docs/report.pdf.bak");
  CommitRest("dave1", "dave", "docs/report.pdf");  // another owner's file of that name
  auto put = CommitS3("new1", "carol", "docs/report.pdf", std::string(32, 'c'));
  ASSERT_OK(put);
  ASSERT_EQ(put->replaced.size(), 2u);
  for (const ReplacedFile& gone : put->replaced) {
    EXPECT_EQ(gone.event, "deleted:" + gone.file.id);
    EXPECT_GT(gone.outbox_id, 0);
    EXPECT_THAT(manifest_->GetFile("carol", gone.file.id).status(),
                StatusIs(absl::StatusCode::kNotFound));
  }
  // Their contents went with them: shards queued for deletion, as a REST delete queues them.
  EXPECT_EQ(Count("SELECT count(*) FROM files.contents WHERE id IN ('old1', 'old2')"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM files.shard_deletions WHERE shard_id LIKE 'old%'"), 12);
  EXPECT_EQ(Count("SELECT count(*) FROM files.outbox WHERE encode(event, 'escape') IN "
                  "('deleted:old1', 'deleted:old2')"),
            2);
  EXPECT_OK(manifest_->GetFile("carol", "keep"));
  EXPECT_OK(manifest_->GetFile("dave", "dave1"));

  auto stat = buckets_->StatByName("carol", "docs/report.pdf");
  ASSERT_OK(stat);
  EXPECT_EQ(stat->id, "new1");
  EXPECT_EQ(stat->md5, std::string(32, 'c'));
  EXPECT_EQ(stat->object_metadata.at("x-amz-meta-color"), "blue");
  // A REST file keeps an empty md5 and no metadata.
  auto rest = manifest_->GetFile("carol", "keep");
  ASSERT_OK(rest);
  EXPECT_EQ(rest->md5, "");
  EXPECT_TRUE(rest->object_metadata.empty());
}

TEST_F(BucketStoreTest, S3CommitNeedsABucketOfTheOwner) {
  ASSERT_OK(Create("erin", "erins"));
  EXPECT_THAT(CommitS3("x1", "frank", "erins/a").status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(CommitS3("x2", "frank", "nobucket/a").status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(CommitS3("x3", "frank", "plain").status(), StatusIs(absl::StatusCode::kNotFound));
  // Nothing of the refused commits is stored.
  EXPECT_EQ(Count("SELECT count(*) FROM files.files WHERE owner_id = 'frank'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM files.contents WHERE owner_id = 'frank'"), 0);
}

TEST_F(BucketStoreTest, ConcurrentSameNamePutsLeaveExactlyOneFile) {
  ASSERT_OK(Create("gina", "race"));
  constexpr int kPuts = 8;
  std::atomic<int> ok{0}, replaced{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kPuts; ++i) {
    threads.emplace_back([&, i] {
      auto put = CommitS3("r" + std::to_string(i), "gina", "race/same-key");
      if (put.ok()) {
        ++ok;
        replaced += static_cast<int>(put->replaced.size());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), kPuts);
  // Every put but the first to commit replaced exactly the one before it.
  EXPECT_EQ(replaced.load(), kPuts - 1);
  EXPECT_EQ(Count("SELECT count(*) FROM files.files WHERE owner_id = 'gina' AND name = "
                  "'race/same-key'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM files.contents WHERE owner_id = 'gina'"), 1);
}

TEST_F(BucketStoreTest, DeleteBucketAndAPutOfItNeverLeaveAFileInADeletedBucket) {
  // Each round races one S3 put against the bucket's delete: either the put commits first
  // (the delete then finds the bucket not empty) or the delete does (the put then finds no
  // bucket and stores nothing). Never both.
  for (int round = 0; round < 10; ++round) {
    const std::string bucket = "racy" + std::to_string(round);
    ASSERT_OK(Create("hank", bucket));
    absl::Status put_status, delete_status;
    std::thread put([&] {
      put_status = CommitS3("p" + std::to_string(round), "hank", bucket + "/k").status();
    });
    std::thread del([&] { delete_status = Delete("hank", bucket).status(); });
    put.join();
    del.join();
    EXPECT_NE(put_status.ok(), delete_status.ok()) << put_status << " / " << delete_status;
    if (put_status.ok()) {
      EXPECT_OK(buckets_->Get(bucket));
    } else {
      EXPECT_THAT(put_status, StatusIs(absl::StatusCode::kNotFound));
    }
  }
}

class ListObjectsTest : public BucketStoreTest {
 protected:
  void SetUp() override {
    BucketStoreTest::SetUp();
    if (HasFatalFailure()) return;
    // The suite's database outlives each test: the bucket's files are made once.
    if (buckets_->Get("lst").ok()) return;
    ASSERT_OK(Create("ivy", "lst"));
    int n = 0;
    for (const char* key : {"a", "a/1", "a/2", "a/b/3", "b", "c/x", "c/y", "d", "\xc3\xa9/1",
                            "\xe6\x97\xa5\xe6\x9c\xac", "z-1"}) {
      CommitRest("l" + std::to_string(n++), "ivy", std::string("lst/") + key);
    }
    CommitRest("newer-b", "ivy", "lst/b");   // a second file named "lst/b": the newer one counts
    CommitRest("ivy-other", "ivy", "lst0");  // beside the bucket's range
  }
};

TEST_F(ListObjectsTest, ListsEveryKeyOnceInByteOrderNewestFilePerName) {
  int pages = 0;
  auto all = ListAll("ivy", {"lst", "", "", "", 1000}, &pages);
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(all, (std::vector<std::string>{"k:a", "k:a/1", "k:a/2", "k:a/b/3", "k:b", "k:c/x",
                                           "k:c/y", "k:d", "k:z-1", "k:\xc3\xa9/1",
                                           "k:\xe6\x97\xa5\xe6\x9c\xac"}));
  auto page = buckets_->ListObjects("ivy", {"lst", "b", "", "", 10});
  ASSERT_OK(page);
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].id, "newer-b");
}

TEST_F(ListObjectsTest, RollsUpCommonPrefixesWithADelimiter) {
  int pages = 0;
  EXPECT_EQ(ListAll("ivy", {"lst", "", "/", "", 1000}, &pages),
            (std::vector<std::string>{"k:a", "p:a/", "k:b", "p:c/", "k:d", "k:z-1", "p:\xc3\xa9/",
                                      "k:\xe6\x97\xa5\xe6\x9c\xac"}));
  // A prefix: keys under it, deeper levels rolled up; a key equal to the prefix is a key.
  EXPECT_EQ(ListAll("ivy", {"lst", "a/", "/", "", 1000}, &pages),
            (std::vector<std::string>{"k:a/1", "k:a/2", "p:a/b/"}));
  EXPECT_EQ(ListAll("ivy", {"lst", "a", "/", "", 1000}, &pages),
            (std::vector<std::string>{"k:a", "p:a/"}));
  EXPECT_EQ(ListAll("ivy", {"lst", "nothing", "/", "", 1000}, &pages), std::vector<std::string>{});
}

TEST_F(ListObjectsTest, StartAfterSkipsPastAndOutOfCommonPrefixes) {
  int pages = 0;
  // Inside a common prefix: the prefix counts as returned.
  EXPECT_EQ(ListAll("ivy", {"lst", "", "/", "a/1", 1000}, &pages),
            (std::vector<std::string>{"k:b", "p:c/", "k:d", "k:z-1", "p:\xc3\xa9/",
                                      "k:\xe6\x97\xa5\xe6\x9c\xac"}));
  // Equal to a common prefix (what a truncated page hands back).
  EXPECT_EQ(
      ListAll("ivy", {"lst", "", "/", "c/", 1000}, &pages),
      (std::vector<std::string>{"k:d", "k:z-1", "p:\xc3\xa9/", "k:\xe6\x97\xa5\xe6\x9c\xac"}));
  // Without a delimiter start_after is a plain key bound, also mid-prefix.
  EXPECT_EQ(ListAll("ivy", {"lst", "a/", "", "a/1", 1000}, &pages),
            (std::vector<std::string>{"k:a/2", "k:a/b/3"}));
  // Before the prefix: ignored; after everything: empty.
  EXPECT_EQ(ListAll("ivy", {"lst", "c/", "", "a", 1000}, &pages),
            (std::vector<std::string>{"k:c/x", "k:c/y"}));
  EXPECT_EQ(ListAll("ivy", {"lst", "", "/", "\xf4\x8f\xbf\xbf", 1000}, &pages),
            std::vector<std::string>{});
}

TEST_F(ListObjectsTest, MaxKeysCountsEachCommonPrefixOnceAcrossPages) {
  int pages = 0;
  auto paged = ListAll("ivy", {"lst", "", "/", "", 2}, &pages);
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(paged, ListAll("ivy", {"lst", "", "/", "", 1000}, &pages));
  auto first = buckets_->ListObjects("ivy", {"lst", "", "/", "", 2});
  ASSERT_OK(first);
  EXPECT_TRUE(first->is_truncated);
  EXPECT_EQ(first->next_start_after, "a/");
  ASSERT_EQ(first->objects.size(), 1u);
  ASSERT_EQ(first->common_prefixes.size(), 1u);
  int one = 0;
  EXPECT_EQ(ListAll("ivy", {"lst", "", "", "", 1}, &one).size(), 11u);
  EXPECT_EQ(one, 11);
}

TEST_F(ListObjectsTest, OnlyTheOwnersBucketIsListed) {
  ASSERT_OK(Create("jack", "jacks"));
  EXPECT_THAT(buckets_->ListObjects("jack", {"lst", "", "", "", 10}).status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(buckets_->ListObjects("ivy", {"nobucket", "", "", "", 10}).status(),
              StatusIs(absl::StatusCode::kNotFound));
  // StatByName: another owner's bucket name reads as missing even with a file of that name.
  CommitRest("ivy-in-jacks", "ivy", "jacks/x");
  EXPECT_THAT(buckets_->StatByName("ivy", "jacks/x").status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(buckets_->StatByName("jack", "lst/a").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(BucketStoreTest, ListPagesByPrefixAndStartAfterInByteOrder) {
  // "pg-b" sorts before "pg.a" and "pga" by bytes; a locale's order would ignore '-' and '.'.
  for (const char* name : {"pga", "pg.a", "pg-b", "pgc", "other-pg"}) {
    ASSERT_OK(Create("kim", name));
  }
  ASSERT_OK(Create("lee", "pgz"));
  auto names = [](const absl::StatusOr<std::vector<BucketRecord>>& got) {
    std::vector<std::string> out;
    if (got.ok()) {
      for (const BucketRecord& b : *got) out.push_back(b.name);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names(buckets_->List("kim", {"pg", "", 0})), (V{"pg-b", "pg.a", "pga", "pgc"}));
  EXPECT_EQ(names(buckets_->List("kim", {"pg", "", 2})), (V{"pg-b", "pg.a"}));
  EXPECT_EQ(names(buckets_->List("kim", {"pg", "pg.a", 2})), (V{"pga", "pgc"}));
  EXPECT_EQ(names(buckets_->List("kim", {"", "pgc", 0})), V{});
  EXPECT_EQ(names(buckets_->List("kim", {"nothing", "", 0})), V{});
  // A prefix is text, never a pattern.
  EXPECT_EQ(names(buckets_->List("kim", {"pg_", "", 0})), V{});
  EXPECT_EQ(names(buckets_->List("kim", {"%", "", 0})), V{});
}

}  // namespace
}  // namespace datamesh::file_ingest
