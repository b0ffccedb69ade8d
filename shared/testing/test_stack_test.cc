#include "shared/testing/test_stack.h"

#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::testing {
namespace {

TEST(TestStack, StartsReachableDependenciesAndStopsThem) {
  std::string dir;
  {
    auto stack = TestStack::Start();
    ASSERT_OK(stack);
    dir = (*stack)->dir();
    EXPECT_EQ((*stack)->nats_url().rfind("nats://127.0.0.1:", 0), 0u);
    EXPECT_EQ((*stack)->pg_url().rfind("postgresql://", 0), 0u);
    EXPECT_EQ((*stack)->redis_url().rfind("redis://127.0.0.1:", 0), 0u);
    auto ping = RunCommand("redis-cli -u " + (*stack)->redis_url() + " ping");
    ASSERT_OK(ping);
    EXPECT_NE(ping->find("PONG"), std::string::npos);
    auto status = (*stack)->Devstack("status");
    ASSERT_OK(status);
    EXPECT_NE(status->find("postgres"), std::string::npos);
  }
  // Destroyed: no pid file of a live process remains.
  auto still = RunCommand("ls " + dir + "/pids/*.pid 2>/dev/null | wc -l");
  ASSERT_OK(still);
  EXPECT_EQ(*still, "0\n");
}

}  // namespace
}  // namespace datamesh::testing
