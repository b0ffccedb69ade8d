#include "shared/config/flags.h"

#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::config {
namespace {

using ::datamesh::testing::StatusIs;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

struct Opts {
  std::string nats_url = "nats://default";
  int64_t pool = 4;
  bool verbose = false;
  absl::Duration grace = absl::Seconds(10);
  std::string admin_password;
};

FlagSet MakeFlags(Opts& o) {
  FlagSet f("svc");
  f.AddString("nats-url", &o.nats_url, "NATS server");
  f.AddInt("pool-size", &o.pool, "pool size");
  f.AddBool("verbose", &o.verbose, "more logs");
  f.AddDuration("shutdown-grace", &o.grace, "drain deadline");
  f.AddString("admin-password", &o.admin_password, "first admin password");
  return f;
}

TEST(EnvNameFor, UppercasesAndPrefixes) {
  EXPECT_EQ(EnvNameFor("nats-url"), "DM_NATS_URL");
  EXPECT_EQ(EnvNameFor("grpc-addr"), "DM_GRPC_ADDR");
}

TEST(FlagSet, CommandLineBeatsEnvironmentBeatsDefault) {
  Opts o;
  FlagSet f = MakeFlags(o);
  const char* argv[] = {"svc", "--pool-size=8"};
  ASSERT_OK(f.Parse(2, argv, FakeEnv({{"DM_POOL_SIZE", "16"}, {"DM_NATS_URL", "nats://env"}})));
  EXPECT_EQ(o.pool, 8);
  EXPECT_EQ(o.nats_url, "nats://env");
  EXPECT_EQ(o.grace, absl::Seconds(10));
}

TEST(FlagSet, AcceptsSeparateValuesBoolsAndDurations) {
  Opts o;
  FlagSet f = MakeFlags(o);
  const char* argv[] = {"svc", "--nats-url", "nats://x", "--verbose", "--shutdown-grace=250ms"};
  ASSERT_OK(f.Parse(5, argv, FakeEnv({})));
  EXPECT_EQ(o.nats_url, "nats://x");
  EXPECT_TRUE(o.verbose);
  EXPECT_EQ(o.grace, absl::Milliseconds(250));
  const char* argv2[] = {"svc", "--no-verbose"};
  ASSERT_OK(f.Parse(2, argv2, FakeEnv({})));
  EXPECT_FALSE(o.verbose);
}

TEST(FlagSet, RejectsUnknownFlagsAndBadValues) {
  Opts o;
  FlagSet f = MakeFlags(o);
  const char* unknown[] = {"svc", "--nats-ulr=x"};
  EXPECT_THAT(f.Parse(2, unknown, FakeEnv({})), StatusIs(absl::StatusCode::kInvalidArgument));
  const char* bad_int[] = {"svc", "--pool-size=many"};
  EXPECT_THAT(f.Parse(2, bad_int, FakeEnv({})), StatusIs(absl::StatusCode::kInvalidArgument));
  const char* missing[] = {"svc", "--nats-url"};
  EXPECT_THAT(f.Parse(2, missing, FakeEnv({})), StatusIs(absl::StatusCode::kInvalidArgument));
  const char* none[] = {"svc"};
  EXPECT_THAT(f.Parse(1, none, FakeEnv({{"DM_SHUTDOWN_GRACE", "soon"}})),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FlagSet, HelpStopsParsingAndUsageListsEnvNames) {
  Opts o;
  FlagSet f = MakeFlags(o);
  const char* argv[] = {"svc", "--help", "--bogus"};
  ASSERT_OK(f.Parse(3, argv, FakeEnv({})));
  EXPECT_TRUE(f.help_requested());
  EXPECT_NE(f.Usage().find("DM_NATS_URL"), std::string::npos);
}

TEST(FlagSet, ValuesHideSecrets) {
  Opts o;
  FlagSet f = MakeFlags(o);
  const char* argv[] = {"svc", "--admin-password=hunter22"};
  ASSERT_OK(f.Parse(2, argv, FakeEnv({})));
  auto values = f.Values();
  EXPECT_EQ(values["admin-password"], "<set>");
  EXPECT_EQ(values["nats-url"], "nats://default");
  EXPECT_EQ(f.Usage().find("hunter22"), std::string::npos);
}

TEST(FlagSet, ValuesRedactPasswordsInUrls) {
  Opts o;
  FlagSet f = MakeFlags(o);
  const char* argv[] = {"svc", "--nats-url=nats://svc:s3cret@nats:4222"};
  ASSERT_OK(f.Parse(2, argv, FakeEnv({})));
  EXPECT_EQ(f.Values()["nats-url"], "nats://svc:***@nats:4222");
  const char* plain[] = {"svc", "--nats-url=nats://user@nats:4222"};
  ASSERT_OK(f.Parse(2, plain, FakeEnv({})));
  EXPECT_EQ(f.Values()["nats-url"], "nats://user@nats:4222");
}

}  // namespace
}  // namespace datamesh::config
