#include "shared/pg/internal.h"

#include <gtest/gtest.h>

#include "shared/pg/migrations.h"

namespace datamesh::pg::internal {
namespace {

TEST(BuildConninfo, AppendsNameAndTimeoutToAUri) {
  EXPECT_EQ(BuildConninfo("postgresql://u@h:5/db", "auth", absl::Seconds(5)),
            "postgresql://u@h:5/db?application_name=auth&connect_timeout=5");
  EXPECT_EQ(BuildConninfo("postgres://h/db?sslmode=disable", "a b&c", absl::Milliseconds(2500)),
            "postgres://h/db?sslmode=disable&application_name=a%20b%26c&connect_timeout=3");
}

TEST(BuildConninfo, KeepsATimeoutTheUrlAlreadyHas) {
  EXPECT_EQ(BuildConninfo("postgresql://h/db?connect_timeout=9", "", absl::Seconds(5)),
            "postgresql://h/db?connect_timeout=9");
}

TEST(BuildConninfo, QuotesValuesOfAKeyValueConninfo) {
  EXPECT_EQ(BuildConninfo("host=h dbname=d", "it's", absl::Milliseconds(10)),
            "host=h dbname=d application_name='it\\'s' connect_timeout=2");
}

TEST(CodeForSqlState, MapsTheStatesCallersActOn) {
  EXPECT_EQ(CodeForSqlState("23505"), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CodeForSqlState("40001"), absl::StatusCode::kAborted);
  EXPECT_EQ(CodeForSqlState("40P01"), absl::StatusCode::kAborted);
  EXPECT_EQ(CodeForSqlState("57014"), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(CodeForSqlState("08006"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeForSqlState("57P01"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeForSqlState("42P01"), absl::StatusCode::kInternal);
  EXPECT_EQ(CodeForSqlState(""), absl::StatusCode::kInternal);
}

TEST(IsValidSchemaName, AcceptsOnlyPlainLowercaseIdentifiers) {
  EXPECT_TRUE(IsValidSchemaName("auth"));
  EXPECT_TRUE(IsValidSchemaName("_files2"));
  EXPECT_TRUE(IsValidSchemaName(std::string(63, 'a')));
  EXPECT_FALSE(IsValidSchemaName(std::string(64, 'a')));
  EXPECT_FALSE(IsValidSchemaName(""));
  EXPECT_FALSE(IsValidSchemaName("Auth"));
  EXPECT_FALSE(IsValidSchemaName("2fa"));
  EXPECT_FALSE(IsValidSchemaName("auth\"; DROP SCHEMA public; --"));
  EXPECT_FALSE(IsValidSchemaName("auth.users"));
  EXPECT_FALSE(IsValidSchemaName("a-b"));
  EXPECT_FALSE(IsValidSchemaName("pg_catalog"));
  EXPECT_TRUE(IsValidSchemaName("pgtest"));
}

}  // namespace
}  // namespace datamesh::pg::internal
