#include "shared/redis/reply.h"

#include <gtest/gtest.h>

#include "shared/redis/script.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::redis {
namespace {

using ::datamesh::testing::StatusIs;

TEST(Reply, DefaultIsNil) {
  Reply r;
  EXPECT_TRUE(r.is_nil());
  EXPECT_EQ(r, Reply::Nil());
  EXPECT_EQ(r.DebugString(), "(nil)");
}

TEST(Reply, KeepsBinaryStrings) {
  const std::string bytes("a\0b\xff", 4);
  Reply r = Reply::String(bytes);
  EXPECT_EQ(r.type(), Reply::Type::kString);
  EXPECT_EQ(r.str(), bytes);
  ASSERT_OK(r.AsString());
  EXPECT_EQ(*r.AsString(), bytes);
  EXPECT_EQ(r.DebugString(), "(string) \"a\\000b\\377\"");
}

TEST(Reply, AsIntegerAcceptsIntegersAndDecimalStrings) {
  EXPECT_EQ(*Reply::Integer(-3).AsInteger(), -3);
  EXPECT_EQ(*Reply::String("42").AsInteger(), 42);
  EXPECT_THAT(Reply::String("4x").AsInteger(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reply::Nil().AsInteger(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Reply::Error("ERR x").AsString(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(Reply, ArraysCompareByValue) {
  Reply a = Reply::Array({Reply::Integer(1), Reply::String("x"), Reply::Nil()});
  Reply b = a;  // a copy owns its own elements
  EXPECT_EQ(a, b);
  EXPECT_NE(a, Reply::Array({Reply::Integer(1), Reply::String("y"), Reply::Nil()}));
  EXPECT_NE(Reply::Status("OK"), Reply::String("OK"));
  EXPECT_EQ(a.DebugString(), "[(integer) 1, (string) \"x\", (nil)]");
}

TEST(Script, NamesItselfByTheSha1OfItsSource) {
  EXPECT_EQ(Script("").sha1(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Script("return 1").sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  EXPECT_EQ(Script("return 1").source(), "return 1");
}

}  // namespace
}  // namespace datamesh::redis
