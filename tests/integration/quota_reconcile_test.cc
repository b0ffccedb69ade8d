// Quota's usage reconciliation against a real PostgreSQL ledger (QuotaFixture), with
// file-ingest's manifests as the one fake: the list of committed files the test says exist.
// Each test starts from an empty ledger, since a run compares every counted file.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "services/quota/usage_reconciler.h"
#include "tests/integration/quota_fixture.h"

namespace datamesh::quota {
namespace {

using ::datamesh::testing::StatusIs;

class QuotaReconcileTest : public QuotaFixture {
 protected:
  void SetUp() override {
    QuotaFixture::SetUp();
    ASSERT_NE(pool_, nullptr);
    ASSERT_OK(pool_->Transact([](pqxx::work& w) {
      w.exec0("TRUNCATE quota.files, quota.usage, quota.reservations, quota.processed_events");
      return absl::OkStatus();
    }));
  }

  // file-ingest's ListStoredFiles over `manifests_`, counting the pages asked for.
  ManifestLister Lister() {
    return [this](const std::string& after,
                  int limit) -> absl::StatusOr<std::vector<ManifestFile>> {
      ++pages_;
      std::vector<ManifestFile> out;
      for (auto it = manifests_.upper_bound(after);
           it != manifests_.end() && static_cast<int>(out.size()) < limit; ++it) {
        out.push_back(it->second);
      }
      return out;
    };
  }
  std::unique_ptr<UsageReconciler> Reconciler(int page = 1000) {
    return std::make_unique<UsageReconciler>(*store_, Lister(), absl::Minutes(10), nullptr,
                                             Clock(), page);
  }
  void Manifest(const std::string& user, const std::string& file, uint64_t size,
                absl::Duration age) {
    manifests_[file] = {file, user, size, Now() - age};
  }
  // quota counts the file, as its file.stored event would.
  void Count(const std::string& user, const std::string& file, uint64_t size) {
    auto applied = store_->ApplyFileStored("ev-" + file, user, file, size, "", Now());
    ASSERT_OK(applied);
  }
  uint64_t Stored(const std::string& user) { return Usage(user).usage().storage_bytes(); }
  quota::v1::GetUsageResponse Usage(const std::string& user) {
    auto u = service_->DoGetUsage(user);
    EXPECT_OK(u);
    return u.ok() ? *u : quota::v1::GetUsageResponse();
  }

  std::map<std::string, ManifestFile> manifests_;
  int pages_ = 0;
};

TEST_F(QuotaReconcileTest, LostStoredAndDeletedEventsAreCorrectedAndYoungFilesWait) {
  const std::string alice = NewUser(), bob = NewUser();
  // In both: nothing to do.
  Manifest(alice, "f-both", 100, absl::Hours(2));
  Count(alice, "f-both", 100);
  // Committed an hour ago, never counted: its file.stored was lost.
  Manifest(alice, "f-lost-stored", 400, absl::Hours(1));
  // Committed a minute ago: its event may still be on its way.
  Manifest(bob, "f-young", 50, absl::Minutes(1));
  // Counted, but no manifest has it: its file.deleted was lost.
  Count(bob, "f-lost-deleted", 700);

  auto report = Reconciler()->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->files_checked, 4u);
  EXPECT_EQ(report->files_added, 1u);
  EXPECT_EQ(report->files_removed, 1u);
  EXPECT_EQ(report->users_corrected, 0u);
  EXPECT_EQ(report->drift_bytes, 400 - 700);
  EXPECT_EQ(Stored(alice), 500u);
  EXPECT_EQ(Stored(bob), 0u);

  // The late events, if they come after all, change nothing more.
  auto stored = store_->ApplyFileStored("ev-late", alice, "f-lost-stored", 400, "", Now());
  ASSERT_OK(stored);
  auto deleted = store_->ApplyFileDeleted("ev-late-2", bob, "f-lost-deleted", 700, Now());
  ASSERT_OK(deleted);
  EXPECT_EQ(Stored(alice), 500u);
  EXPECT_EQ(Stored(bob), 0u);

  // A second run finds nothing; once the young file is old enough and still uncounted, it is.
  report = Reconciler()->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->files_added + report->files_removed + report->users_corrected, 0u);
  Advance(absl::Minutes(15));
  report = Reconciler()->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->files_added, 1u);
  EXPECT_EQ(Stored(bob), 50u);
}

TEST_F(QuotaReconcileTest, TheReservationOfACountedFileStopsCounting) {
  const std::string user = NewUser();
  quota::v1::ReserveRequest reserve;
  reserve.set_user_id(user);
  reserve.set_tier("free");
  reserve.set_bytes(1000);
  auto r = service_->DoReserve(reserve);
  ASSERT_OK(r);
  quota::v1::CommitRequest commit;
  commit.set_reservation_id(r->reservation_id());
  commit.set_actual_bytes(900);
  commit.set_file_id("f-reserved");
  ASSERT_OK(service_->DoCommit(commit));
  EXPECT_EQ(Usage(user).reserved_bytes(), 900u);  // waiting for a file.stored that was lost
  Manifest(user, "f-reserved", 900, absl::Hours(1));
  auto report = Reconciler()->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->files_added, 1u);
  EXPECT_EQ(Usage(user).reserved_bytes(), 0u);
  EXPECT_EQ(Stored(user), 900u);  // counted once, not file + reservation
}

TEST_F(QuotaReconcileTest, ATotalThatDisagreesWithItsFilesIsRecomputed) {
  const std::string user = NewUser();
  Manifest(user, "f-1", 300, absl::Hours(1));
  Count(user, "f-1", 300);
  ASSERT_OK(pool_->Transact([&](pqxx::work& w) {
    w.exec_params0("UPDATE quota.usage SET stored_bytes = 1234 WHERE user_id = $1", user);
    return absl::OkStatus();
  }));
  auto report = Reconciler()->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->users_corrected, 1u);
  EXPECT_EQ(report->drift_bytes, 300 - 1234);
  EXPECT_EQ(Stored(user), 300u);
}

// Pages of 2 on both sides, with the two sides' ids interleaved so windows end on either side.
TEST_F(QuotaReconcileTest, PagesOfBothSidesAreMergedWindowByWindow) {
  const std::string user = NewUser();
  uint64_t expected = 0;
  for (int i = 0; i < 9; ++i) {
    const std::string id = "f-" + std::to_string(i);
    const bool in_manifest = i % 3 != 2;  // 2, 5, 8: deleted, event lost
    const bool counted = i % 3 != 1;      // 1, 4, 7: stored, event lost
    if (in_manifest) Manifest(user, id, 10 + i, absl::Hours(1));
    if (counted) Count(user, id, 10 + i);
    if (in_manifest) expected += 10 + i;
  }
  auto report = Reconciler(/*page=*/2)->Run();
  ASSERT_OK(report);
  EXPECT_EQ(report->files_checked, 9u);
  EXPECT_EQ(report->files_added, 3u);
  EXPECT_EQ(report->files_removed, 3u);
  EXPECT_EQ(Stored(user), expected);
  EXPECT_GT(pages_, 3);
}

TEST_F(QuotaReconcileTest, FileIngestUnavailableChangesNothing) {
  const std::string user = NewUser();
  Count(user, "f-kept", 100);
  UsageReconciler broken(
      *store_,
      [](const std::string&, int) -> absl::StatusOr<std::vector<ManifestFile>> {
        return absl::UnavailableError("file-ingest down");
      },
      absl::Minutes(10), nullptr, Clock());
  EXPECT_THAT(broken.Run(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Stored(user), 100u);
}

}  // namespace
}  // namespace datamesh::quota
