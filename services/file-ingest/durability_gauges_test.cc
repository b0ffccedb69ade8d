// The durability margin against a real PostgreSQL (the suite's TestStack): the aggregate's
// buckets for nodes up, down, disqualified, shards missing or still being written, files
// sharing a lost content; and one replica of two measuring at a time, the other taking over.
#include "services/file-ingest/durability_gauges.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "file_ingest_migrations.h"
#include "prometheus/text_serializer.h"
#include "shared/pg/migrations.h"
#include "shared/pg/pool.h"
#include "shared/testing/wait_for.h"
#include "shared/testing/with_test_stack.h"

namespace datamesh::file_ingest {
namespace {

using Buckets = std::vector<std::tuple<int, int, uint64_t>>;  // (m, spare, segments)

class DurabilityGaugesTest : public datamesh::testing::WithTestStack {
 protected:
  void SetUp() override {
    WithTestStack::SetUp();
    auto pool = pg::Pool::Create({.url = stack_->pg_url()});
    ASSERT_OK(pool);
    pool_ = std::move(*pool);
    ASSERT_OK(pg::ApplyMigrations(*pool_, "files", file_ingest_migrations()));
    ASSERT_OK(pool_->Transact([](pqxx::work& w) {
      w.exec("TRUNCATE files.files, files.contents, files.segments, files.shards, "
             "files.disqualified_nodes CASCADE");
      return absl::OkStatus();
    }));
  }

  // A content of shape k+m with one segment per entry of `segments`: each a list of k+m
  // "node" or "node:state" ("" = missing).
  void AddContent(const std::string& id, int k, int m,
                  const std::vector<std::vector<std::string>>& segments) {
    ASSERT_OK(pool_->Transact([&](pqxx::work& w) {
      w.exec_params(
          "INSERT INTO files.contents (id, owner_id, size, sha256, merkle_root, wrapped_key, "
          "key_version, nonce_prefix, codec_id, data_shards, parity_shards, segment_size) "
          "VALUES ($1, 'o', 1, $1, '', '\\x00', 1, '\\x00', 'isal', $2, $3, 1)",
          id, k, m);
      for (size_t i = 0; i < segments.size(); ++i) {
        w.exec_params(
            "INSERT INTO files.segments (content_id, idx, plain_size, stored_size, compressed, "
            "shard_size, sha256) VALUES ($1, $2, 1, 1, false, 1, '')",
            id, static_cast<int64_t>(i));
        for (size_t j = 0; j < segments[i].size(); ++j) {
          std::string node = segments[i][j], state = "stored";
          if (auto colon = node.find(':'); colon != std::string::npos) {
            state = node.substr(colon + 1);
            node.resize(colon);
          }
          if (node.empty()) state = "missing";
          w.exec_params(
              "INSERT INTO files.shards (content_id, segment_idx, shard_idx, shard_id, node_id, "
              "node_address, state) VALUES ($1, $2, $3, $4, $5, '', $6)",
              id, static_cast<int64_t>(i), static_cast<int>(j), absl::StrCat(id, i, j), node,
              state);
        }
      }
      return absl::OkStatus();
    }));
  }

  void AddFile(const std::string& id, const std::string& content) {
    ASSERT_OK(pool_->Transact([&](pqxx::work& w) {
      w.exec_params(
          "INSERT INTO files.files (id, owner_id, name, content_type, content_id, encryption) "
          "VALUES ($1, 'o', $1, 'text/plain', $2, 'server')",
          id, content);
      return absl::OkStatus();
    }));
  }

  absl::StatusOr<DurabilityFigures> Measure(const std::set<std::string>& up) {
    absl::StatusOr<DurabilityFigures> out;
    absl::Status s = pool_->Transact([&](pqxx::work& w) {
      out = MeasureDurability(w, up);
      return out.status();
    });
    if (!s.ok()) return s;
    return out;
  }

  static Buckets Flat(const DurabilityFigures& f) {
    Buckets out;
    for (const DurabilityBucket& b : f.buckets) {
      out.emplace_back(b.parity_shards, b.spare_shards, b.segments);
    }
    return out;
  }

  // Two 4+2 segments (one with a shard never written), one 3+3 segment, three files.
  void AddTheFiles() {
    AddContent("c1", 4, 2, {{"a", "b", "c", "d", "e", "f"}, {"a", "b", "c", "d", "e", ""}});
    AddContent("c2", 3, 3, {{"a", "b", "c", "d", "e", "f"}});
    AddFile("f1", "c1");
    AddFile("f2", "c1");  // deduplicated onto the same content
    AddFile("f3", "c2");
  }

  std::unique_ptr<pg::Pool> pool_;
};

TEST_F(DurabilityGaugesTest, CountsSegmentsByLiveShardsPerShape) {
  AddTheFiles();
  auto all_up = Measure({"a", "b", "c", "d", "e", "f"});
  ASSERT_OK(all_up);
  EXPECT_EQ(Flat(*all_up), (Buckets{{2, 2, 1}, {2, 1, 1}, {2, 0, 0}, {2, -1, 0},  //
                                    {3, 3, 1}, {3, 2, 0}, {3, 1, 0}, {3, 0, 0}, {3, -1, 0}}));
  EXPECT_EQ(all_up->files_lost, 0u);

  // Node f down: every segment with a shard there loses one spare.
  auto f_down = Measure({"a", "b", "c", "d", "e"});
  ASSERT_OK(f_down);
  EXPECT_EQ(Flat(*f_down), (Buckets{{2, 2, 0}, {2, 1, 2}, {2, 0, 0}, {2, -1, 0},  //
                                    {3, 3, 0}, {3, 2, 1}, {3, 1, 0}, {3, 0, 0}, {3, -1, 0}}));
}

TEST_F(DurabilityGaugesTest, DisqualifiedNodesAndUnfinishedWritesAreNotLive) {
  AddContent("c1", 4, 2, {{"a", "b", "c", "d", "e:writing", "f"}});
  AddFile("f1", "c1");
  ASSERT_OK(pool_->Transact([](pqxx::work& w) {
    w.exec("INSERT INTO files.disqualified_nodes (node_id, reason) VALUES ('f', 'audits')");
    return absl::OkStatus();
  }));
  auto figures = Measure({"a", "b", "c", "d", "e", "f"});
  ASSERT_OK(figures);
  EXPECT_EQ(Flat(*figures), (Buckets{{2, 2, 0}, {2, 1, 0}, {2, 0, 1}, {2, -1, 0}}));
}

TEST_F(DurabilityGaugesTest, FilesOfASegmentBelowKAreLostEachCountedOnce) {
  AddTheFiles();
  AddContent("c3", 4, 2, {{"c", "d", "e", "f", "a", "b"}});
  AddFile("f4", "c3");
  auto figures = Measure({"c", "d", "e", "f"});
  ASSERT_OK(figures);
  // c1: segment 0 at k (0 spare), segment 1 below k (its sixth shard was never written);
  // c2 (3+3) keeps one spare; c3 at k.
  EXPECT_EQ(Flat(*figures), (Buckets{{2, 2, 0}, {2, 1, 0}, {2, 0, 2}, {2, -1, 1},  //
                                     {3, 3, 0}, {3, 2, 0}, {3, 1, 1}, {3, 0, 0}, {3, -1, 0}}));
  EXPECT_EQ(figures->files_lost, 2u) << "f1 and f2 share the lost content; f3 and f4 are readable";
  auto two_up = Measure({"a", "b"});
  ASSERT_OK(two_up);
  EXPECT_EQ(two_up->files_lost, 4u);
}

TEST_F(DurabilityGaugesTest, AnEmptyStoreHasNoBuckets) {
  auto figures = Measure({"a"});
  ASSERT_OK(figures);
  EXPECT_TRUE(figures->buckets.empty());
  EXPECT_EQ(figures->files_lost, 0u);
}

std::string Exposition(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST_F(DurabilityGaugesTest, OneReplicaMeasuresAndAnotherTakesOverWhenItStops) {
  AddTheFiles();
  auto up = []() -> absl::StatusOr<std::set<std::string>> {
    return std::set<std::string>{"a", "b", "c", "d", "e"};
  };
  prometheus::Registry first_registry, second_registry;
  auto first = std::make_unique<DurabilityGauges>(stack_->pg_url(), up, first_registry,
                                                  absl::Milliseconds(100));
  ASSERT_TRUE(testing::WaitFor([&] { return first->measuring(); }, absl::Seconds(30)));
  DurabilityGauges second(stack_->pg_url(), up, second_registry, absl::Milliseconds(100));
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return Exposition(first_registry)
                   .find("datamesh_segments_by_spare_shards{parity=\"2\",spare=\"1\"} 2") !=
               std::string::npos;
      },
      absl::Seconds(30)))
      << Exposition(first_registry);
  EXPECT_NE(Exposition(first_registry).find("datamesh_files_lost 0"), std::string::npos);
  EXPECT_FALSE(second.measuring());
  EXPECT_EQ(Exposition(second_registry).find("datamesh_segments_by_spare_shards{"),
            std::string::npos)
      << "a replica without the lock exports no figures";

  first.reset();  // its session ends: the lock is free
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return Exposition(second_registry)
                   .find("datamesh_segments_by_spare_shards{parity=\"3\",spare=\"2\"} 1") !=
               std::string::npos;
      },
      absl::Seconds(30)))
      << Exposition(second_registry);
  EXPECT_TRUE(second.measuring());
}

}  // namespace
}  // namespace datamesh::file_ingest
