#include "services/gateway/limits/transfer_slots.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "services/gateway/http/api_error.h"
#include "services/gateway/upstream/rpc_status.h"

namespace datamesh::gateway {
namespace {

TEST(TransferSlots, RefusesPastTheBoundPerUserWithRetryAfterAndFreesOnRelease) {
  TransferSlots slots(2, 7);
  std::vector<TransferSlots::Slot> held;
  held.push_back(*slots.Acquire("alice"));
  held.push_back(*slots.Acquire("alice"));
  absl::StatusOr<TransferSlots::Slot> third = slots.Acquire("alice");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(http::ApiErrorFor(third.status()).http_status, 429);
  EXPECT_EQ(http::ApiErrorFor(third.status()).code, "RATE_LIMITED");
  EXPECT_EQ(RetryAfterOf(third.status()), 7u);
  EXPECT_TRUE(slots.Acquire("bob").ok());  // another user is not affected
  EXPECT_EQ(slots.in_flight(), 2);         // bob's slot ended with its statement
  held.pop_back();
  EXPECT_TRUE(slots.Acquire("alice").ok());
  EXPECT_EQ(slots.refused(), 1);
}

TEST(TransferSlots, ZeroMeansUnbounded) {
  TransferSlots slots(0, 1);
  std::vector<TransferSlots::Slot> held;
  for (int i = 0; i < 100; ++i) held.push_back(*slots.Acquire("alice"));
  EXPECT_EQ(slots.in_flight(), 100);
}

}  // namespace
}  // namespace datamesh::gateway
