// WithTestStack: a fixture base for tests against real NATS, PostgreSQL and Redis. The suite
// shares one TestStack (dependencies only), started before its first test and stopped after
// its last, so a test binary pays the start-up once per suite, not once per test.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"

namespace datamesh::testing {

class WithTestStack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stack = TestStack::Start();
    ASSERT_OK(stack);
    stack_ = std::move(*stack);
  }
  static void TearDownTestSuite() { stack_.reset(); }

  // Fails the test (instead of crashing on a null stack) when start-up failed. Fixtures that
  // override SetUp check `stack_` themselves.
  void SetUp() override { ASSERT_NE(stack_, nullptr) << "the test stack did not start"; }

  static inline std::unique_ptr<TestStack> stack_;
};

}  // namespace datamesh::testing
