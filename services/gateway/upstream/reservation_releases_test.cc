// The retry queue of reservation releases with a scripted quota (the release call is the seam)
// and a clock the test moves; RetryDue is called by the test (no worker thread), except in the
// last test, which runs the worker against the wall clock with short back-offs.
#include "services/gateway/upstream/reservation_releases.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <vector>

#include "shared/testing/wait_for.h"

namespace datamesh::gateway {
namespace {

using ::datamesh::testing::WaitFor;

// quota as the test scripts it: each call takes the next answer (OK once the script is empty).
class ScriptedQuota {
 public:
  void Answer(std::initializer_list<grpc::StatusCode> codes) {
    std::lock_guard<std::mutex> lock(mu_);
    for (grpc::StatusCode c : codes) script_.push_back(c);
  }
  ReservationReleases::ReleaseCall Call() {
    return [this](const std::string& id, const std::string& request_id) {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(id + "/" + request_id);
      grpc::StatusCode code = grpc::StatusCode::OK;
      if (!script_.empty()) {
        code = script_.front();
        script_.pop_front();
      }
      return grpc::Status(code, code == grpc::StatusCode::OK ? "" : "scripted");
    };
  }
  std::vector<std::string> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::deque<grpc::StatusCode> script_;
  std::vector<std::string> calls_;
};

class ReservationReleasesTest : public ::testing::Test {
 protected:
  ReservationReleases::Options Manual() {
    ReservationReleases::Options o;
    o.start_worker = false;
    o.first_retry = absl::Seconds(1);
    o.max_retry = absl::Seconds(8);
    o.give_up_after = absl::Minutes(1);
    o.max_pending = 3;
    o.clock = [this] { return now_; };
    return o;
  }
  double Metric(const std::string& name, const std::string& outcome = "") {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& m : family.metric) {
        if (outcome.empty()) return m.gauge.value;
        for (const auto& label : m.label) {
          if (label.name == "outcome" && label.value == outcome) return m.counter.value;
        }
      }
    }
    return -1;
  }
  double Pending() { return Metric("datamesh_gateway_reservation_releases_pending"); }
  double Outcome(const std::string& outcome) {
    return Metric("datamesh_gateway_reservation_release_retries_total", outcome);
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  ScriptedQuota quota_;
  prometheus::Registry registry_;
};

TEST_F(ReservationReleasesTest, OnlyTransientFailuresAreRetried) {
  EXPECT_TRUE(ReservationReleases::Transient(grpc::Status(grpc::StatusCode::UNAVAILABLE, "")));
  EXPECT_TRUE(
      ReservationReleases::Transient(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "")));
  EXPECT_FALSE(ReservationReleases::Transient(grpc::Status::OK));
  // Committed meanwhile: its file.stored settles it.
  EXPECT_FALSE(
      ReservationReleases::Transient(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "")));
  EXPECT_FALSE(
      ReservationReleases::Transient(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "")));
}

TEST_F(ReservationReleasesTest, AReleaseIsRetriedWithGrowingBackOffUntilQuotaTakesIt) {
  ReservationReleases releases(quota_.Call(), Manual(), &registry_);
  quota_.Answer({grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::UNAVAILABLE});
  releases.Retry("r-1", "req-1");
  EXPECT_EQ(releases.pending(), 1u);
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(releases.RetryDue(), 0u);  // not due before the first back-off
  now_ += absl::Seconds(1);
  EXPECT_EQ(releases.RetryDue(), 1u);  // UNAVAILABLE: next in 2 s
  now_ += absl::Seconds(1);
  EXPECT_EQ(releases.RetryDue(), 0u);
  now_ += absl::Seconds(1);
  EXPECT_EQ(releases.RetryDue(), 1u);  // UNAVAILABLE: next in 4 s
  now_ += absl::Seconds(4);
  EXPECT_EQ(releases.RetryDue(), 1u);  // OK
  EXPECT_EQ(releases.pending(), 0u);
  EXPECT_EQ(quota_.calls(), (std::vector<std::string>{"r-1/req-1", "r-1/req-1", "r-1/req-1"}));
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(Outcome("released"), 1);
  EXPECT_EQ(Outcome("gave_up"), 0);
}

TEST_F(ReservationReleasesTest, ARefusalEndsTheRetriesAndSoDoesTheDeadline) {
  ReservationReleases releases(quota_.Call(), Manual(), &registry_);
  quota_.Answer({grpc::StatusCode::FAILED_PRECONDITION});
  releases.Retry("r-committed", "a");
  now_ += absl::Seconds(1);
  EXPECT_EQ(releases.RetryDue(), 1u);
  EXPECT_EQ(Outcome("refused"), 1);
  EXPECT_EQ(releases.pending(), 0u);

  // quota down for longer than give_up_after: tried at 1, 3, 7, 15, 23, ... s, then given up.
  for (int i = 0; i < 20; ++i) quota_.Answer({grpc::StatusCode::UNAVAILABLE});
  releases.Retry("r-lost", "b");
  size_t tries = 0;
  for (int s = 0; s < 120 && releases.pending() > 0; ++s) {
    now_ += absl::Seconds(1);
    tries += releases.RetryDue();
  }
  EXPECT_EQ(releases.pending(), 0u);
  EXPECT_EQ(Outcome("gave_up"), 1);
  EXPECT_EQ(Outcome("released"), 0);
  // Back-off capped at 8 s over one minute: 1+2+4+8+8+... reaches 60 s on the 10th try.
  EXPECT_EQ(tries, 10u);
}

TEST_F(ReservationReleasesTest, TheQueueIsBoundedAndKeepsOneEntryPerReservation) {
  ReservationReleases releases(quota_.Call(), Manual(), &registry_);
  releases.Retry("r-1", "x");
  releases.Retry("r-1", "x");  // the same upload's release asked twice
  releases.Retry("", "x");     // nothing reserved
  releases.Retry("r-2", "x");
  releases.Retry("r-3", "x");
  releases.Retry("r-4", "x");  // past max_pending (3)
  EXPECT_EQ(releases.pending(), 3u);
  EXPECT_EQ(Outcome("queue_full"), 1);
  now_ += absl::Seconds(1);
  EXPECT_EQ(releases.RetryDue(), 3u);
  EXPECT_EQ(Outcome("released"), 3);
}

TEST_F(ReservationReleasesTest, TheWorkerRetriesOnItsOwnAndShutdownCountsWhatIsLeft) {
  ReservationReleases::Options o;
  o.first_retry = absl::Milliseconds(10);
  o.max_retry = absl::Milliseconds(20);
  quota_.Answer({grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED});
  {
    ReservationReleases releases(quota_.Call(), o, &registry_);
    releases.Retry("r-1", "w");
    EXPECT_TRUE(WaitFor([&] { return releases.pending() == 0; }, absl::Seconds(30)));
    EXPECT_EQ(quota_.calls().size(), 3u);
    EXPECT_EQ(Outcome("released"), 1);
  }
  // A release still waiting when the gateway stops is counted, not lost silently.
  o.first_retry = absl::Hours(1);
  {
    ReservationReleases later(quota_.Call(), o, &registry_);
    later.Retry("r-2", "w");
    EXPECT_EQ(later.pending(), 1u);
  }
  EXPECT_EQ(Outcome("shutdown"), 1);
}

}  // namespace
}  // namespace datamesh::gateway
