// The usage reconciliation's retirement of committed reservations whose file never appeared
// (file-ingest died between quota's commit and its manifest's), against a real PostgreSQL
// ledger (QuotaFixture) with file-ingest's manifests as the one fake: the committed files the
// test says exist. The clock is the fixture's, moved by the test.
#include <gtest/gtest.h>

#include <map>

#include "services/quota/usage_reconciler.h"
#include "tests/integration/quota_fixture.h"

namespace datamesh::quota {
namespace {

constexpr absl::Duration kMargin = absl::Minutes(10);

class QuotaOrphanedCommitsTest : public QuotaFixture {
 protected:
  void SetUp() override {
    QuotaFixture::SetUp();
    ASSERT_NE(pool_, nullptr);
    ASSERT_OK(pool_->Transact([](pqxx::work& w) {
      w.exec0("TRUNCATE quota.files, quota.usage, quota.reservations, quota.processed_events");
      return absl::OkStatus();
    }));
  }

  std::unique_ptr<UsageReconciler> Reconciler(int page = 1000) {
    auto lister = [this](const std::string& after,
                         int limit) -> absl::StatusOr<std::vector<ManifestFile>> {
      std::vector<ManifestFile> out;
      for (auto it = manifests_.upper_bound(after);
           it != manifests_.end() && static_cast<int>(out.size()) < limit; ++it) {
        out.push_back(it->second);
      }
      return out;
    };
    return std::make_unique<UsageReconciler>(*store_, lister, kMargin, nullptr, Clock(), page);
  }
  void Manifest(const std::string& user, const std::string& file, uint64_t size,
                absl::Duration age) {
    manifests_[file] = {file, user, size, Now() - age};
  }
  // A held reservation of `bytes`; its id.
  std::string Reserve(const std::string& user, uint64_t bytes) {
    quota::v1::ReserveRequest req;
    req.set_user_id(user);
    req.set_tier("free");
    req.set_bytes(bytes);
    auto r = service_->DoReserve(req);
    EXPECT_OK(r);
    return r.ok() ? r->reservation_id() : "";
  }
  // As file-ingest does once a file's bytes are stored, before its manifest commits.
  absl::Status Commit(const std::string& reservation, const std::string& file, uint64_t bytes) {
    quota::v1::CommitRequest req;
    req.set_reservation_id(reservation);
    req.set_actual_bytes(bytes);
    req.set_file_id(file);
    return service_->DoCommit(req);
  }
  uint64_t Reserved(const std::string& user) {
    auto u = service_->DoGetUsage(user);
    EXPECT_OK(u);
    return u.ok() ? u->reserved_bytes() : 0;
  }
  uint64_t Stored(const std::string& user) {
    auto u = service_->DoGetUsage(user);
    EXPECT_OK(u);
    return u.ok() ? u->usage().storage_bytes() - u->reserved_bytes() : 0;
  }

  std::map<std::string, ManifestFile> manifests_;
};

TEST_F(QuotaOrphanedCommitsTest, ACommitWhoseFileNeverAppearedIsRetiredOnceOlderThanTheMargin) {
  const std::string user = NewUser();
  const std::string reservation = Reserve(user, 1000);
  ASSERT_OK(Commit(reservation, "f-orphan", 900));
  EXPECT_EQ(Reserved(user), 900u);

  // Younger than the margin: its manifest may be committing right now.
  auto report = Reconciler()->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->reservations_retired, 0u);
  EXPECT_EQ(Reserved(user), 900u);

  Advance(kMargin + absl::Minutes(1));
  report = Reconciler()->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->reservations_retired, 1u);
  EXPECT_EQ(report->reserved_bytes_freed, 900u);
  EXPECT_EQ(report->files_added + report->files_removed, 0u);
  EXPECT_EQ(Reserved(user), 0u);
  EXPECT_EQ(Stored(user), 0u);

  // A second run finds nothing; a repeated commit or a late release changes nothing.
  report = Reconciler()->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->reservations_retired, 0u);
  EXPECT_OK(Commit(reservation, "f-orphan", 900));
  EXPECT_OK(store_->Release(reservation, Now()));
  EXPECT_EQ(Reserved(user), 0u);

  // Should its file.stored come after all, the file counts once.
  auto stored = store_->ApplyFileStored("ev-late", user, "f-orphan", 900, reservation, Now());
  ASSERT_OK(stored);
  EXPECT_EQ(Stored(user), 900u);
  EXPECT_EQ(Reserved(user), 0u);
}

TEST_F(QuotaOrphanedCommitsTest, ACommitWhoseFileIsInAManifestIsLeftToItsEvent) {
  const std::string user = NewUser();
  const std::string reservation = Reserve(user, 500);
  ASSERT_OK(Commit(reservation, "f-present", 500));
  Advance(kMargin + absl::Minutes(1));
  // The manifest committed late (a minute ago): its file.stored is still on its way.
  Manifest(user, "f-present", 500, absl::Minutes(1));
  auto report = Reconciler()->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->reservations_retired, 0u);
  EXPECT_EQ(report->files_added, 0u);
  EXPECT_EQ(Reserved(user), 500u);
  auto stored = store_->ApplyFileStored("ev-1", user, "f-present", 500, reservation, Now());
  ASSERT_OK(stored);
  EXPECT_EQ(Reserved(user), 0u);
  EXPECT_EQ(Stored(user), 500u);
}

TEST_F(QuotaOrphanedCommitsTest, AHeldReservationIsNeverTouched) {
  const std::string user = NewUser();
  Reserve(user, 700);  // an upload still streaming: the gateway releases or commits it
  Advance(kMargin + absl::Minutes(1));
  auto report = Reconciler()->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->reservations_retired, 0u);
  EXPECT_EQ(Reserved(user), 700u);
}

// Pages of 2: orphaned commits between, before and after the manifests' ids are all found,
// whichever side's page ends a window; commits whose files exist are all kept.
TEST_F(QuotaOrphanedCommitsTest, OrphansAreFoundInEveryWindow) {
  const std::string user = NewUser();
  uint64_t kept = 0, freed = 0;
  for (int i = 0; i < 9; ++i) {
    const std::string file = "f-" + std::to_string(i);
    const uint64_t bytes = 100 + i;
    ASSERT_OK(Commit(Reserve(user, bytes), file, bytes));
    if (i % 3 == 0) {
      freed += bytes;  // 0, 3, 6: never made it into a manifest
    } else {
      kept += bytes;
    }
  }
  Advance(kMargin + absl::Minutes(1));
  for (int i = 0; i < 9; ++i) {
    // Committed just now: the counting side of the reconciliation leaves them alone.
    if (i % 3 != 0) Manifest(user, "f-" + std::to_string(i), 100 + i, absl::Seconds(1));
  }
  Manifest(user, "f-a-earlier", 1, absl::Seconds(1));
  Manifest(user, "f-z-later", 1, absl::Seconds(1));
  auto report = Reconciler(/*page=*/2)->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->reservations_retired, 3u);
  EXPECT_EQ(report->reserved_bytes_freed, freed);
  EXPECT_EQ(Reserved(user), kept);
}

}  // namespace
}  // namespace datamesh::quota
