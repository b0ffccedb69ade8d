#include "services/file-ingest/node_directory.h"

#include <gtest/gtest.h>

namespace datamesh::file_ingest {
namespace {

// A dht whose node list the test sets, counting how often it is asked.
struct FakeDht {
  std::vector<NodeRef> nodes;
  absl::Status error = absl::OkStatus();
  int calls = 0;
  NodeDirectory::Lister Lister() {
    return [this]() -> absl::StatusOr<std::vector<NodeRef>> {
      ++calls;
      if (!error.ok()) return error;
      return nodes;
    };
  }
};

struct FakeClock {
  absl::Time now = absl::FromUnixSeconds(1'000'000);
  NodeDirectory::Clock Clock() {
    return [this] { return now; };
  }
};

TEST(NodeDirectoryTest, ANodeIsReachedWhereTheDhtSaysNotWhereTheManifestRecorded) {
  FakeDht dht{{{"n1", "10.0.0.9:7004"}}};
  FakeClock clock;
  NodeDirectory dir(dht.Lister(), absl::Seconds(30), absl::Seconds(2), absl::Seconds(1), clock.Clock());
  EXPECT_EQ(dir.AddressOf({"n1", "10.0.0.1:7004"}), "10.0.0.9:7004");
  EXPECT_EQ(dht.calls, 1);
  // Cached: no second call within max_age.
  EXPECT_EQ(dir.AddressOf({"n1", "10.0.0.1:7004"}), "10.0.0.9:7004");
  EXPECT_EQ(dht.calls, 1);
}

TEST(NodeDirectoryTest, TheManifestAddressServesWhileTheDhtIsUnavailable) {
  FakeDht dht;
  dht.error = absl::UnavailableError("dht down");
  FakeClock clock;
  NodeDirectory dir(dht.Lister(), absl::Seconds(30), absl::Seconds(2), absl::Seconds(1), clock.Clock());
  EXPECT_EQ(dir.AddressOf({"n1", "10.0.0.1:7004"}), "10.0.0.1:7004");
  // The failed refresh is not repeated on every call: at most once per min_gap.
  EXPECT_EQ(dir.AddressOf({"n1", "10.0.0.1:7004"}), "10.0.0.1:7004");
  EXPECT_EQ(dht.calls, 1);
  clock.now += absl::Seconds(3);
  dht.error = absl::OkStatus();
  dht.nodes = {{"n1", "10.0.0.2:7004"}};
  EXPECT_EQ(dir.AddressOf({"n1", "10.0.0.1:7004"}), "10.0.0.2:7004");
  EXPECT_EQ(dht.calls, 2);
}

TEST(NodeDirectoryTest, AFailedCallLooksForTheNewAddressAtMostOncePerFailureGapPerNode) {
  FakeDht dht{{{"n1", "10.0.0.1:7004"}, {"n2", "10.0.0.2:7004"}}};
  FakeClock clock;
  NodeDirectory dir(dht.Lister(), absl::Seconds(30), absl::Seconds(2), absl::Seconds(1), clock.Clock());
  ASSERT_EQ(dir.AddressOf({"n1", ""}), "10.0.0.1:7004");
  // n1 moved just after the list was read: its failure re-reads the list at once.
  dht.nodes = {{"n1", "10.0.0.5:7004"}, {"n2", "10.0.0.2:7004"}};
  dir.Failed({"n1", ""});
  EXPECT_EQ(dht.calls, 2);
  EXPECT_EQ(dir.AddressOf({"n1", ""}), "10.0.0.5:7004");
  // n1 failing again within the gap (dead, not moved) costs no dht call...
  dir.Failed({"n1", ""});
  EXPECT_EQ(dht.calls, 2);
  // ...while another node's first failure still does: it may have moved meanwhile.
  dht.nodes = {{"n1", "10.0.0.5:7004"}, {"n2", "10.0.0.7:7004"}};
  dir.Failed({"n2", ""});
  EXPECT_EQ(dht.calls, 3);
  EXPECT_EQ(dir.AddressOf({"n2", ""}), "10.0.0.7:7004");
  clock.now += absl::Seconds(1);
  dir.Failed({"n1", ""});
  EXPECT_EQ(dht.calls, 4);
}

TEST(NodeDirectoryTest, StaleEntriesAreReReadAndRefreshIgnoresTheGap) {
  FakeDht dht{{{"n1", "a:1"}}};
  FakeClock clock;
  NodeDirectory dir(dht.Lister(), absl::Seconds(30), absl::Seconds(2), absl::Seconds(1), clock.Clock());
  ASSERT_EQ(dir.AddressOf({"n1", ""}), "a:1");
  dht.nodes = {{"n1", "b:1"}};
  dir.Refresh();  // node.up: at once, even within the gap
  EXPECT_EQ(dir.AddressOf({"n1", ""}), "b:1");
  dht.nodes = {{"n1", "c:1"}};
  clock.now += absl::Seconds(31);
  EXPECT_EQ(dir.AddressOf({"n1", ""}), "c:1");
  EXPECT_EQ(dht.calls, 3);
}

TEST(NodeDirectoryTest, PlacementAnswersAreLearnedAndUnknownIdsFallBack) {
  FakeDht dht;
  FakeClock clock;
  NodeDirectory dir(dht.Lister(), absl::Seconds(30), absl::Seconds(2), absl::Seconds(1), clock.Clock());
  dir.Learn({"n2", "x:2"});
  EXPECT_EQ(dir.AddressOf({"n2", "old:2"}), "x:2");
  EXPECT_EQ(dir.AddressOf({"n3", "old:3"}), "old:3");  // the dht does not know it either
}

}  // namespace
}  // namespace datamesh::file_ingest
