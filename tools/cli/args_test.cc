#include "tools/cli/args.h"

#include <gtest/gtest.h>

#include "shared/testing/status_matchers.h"

namespace datamesh::cli {
namespace {

using ::datamesh::testing::StatusIs;

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(GlobalOptions, DefaultsComeFromTheEnvironmentThenBuiltIns) {
  absl::StatusOr<GlobalOptions> g = ParseGlobalOptions({"ls"}, Env({{"HOME", "/home/u"}}));
  ASSERT_OK(g);
  EXPECT_EQ(g->endpoint, "http://127.0.0.1:8080");
  EXPECT_EQ(g->config_dir, "/home/u/.config/datamesh");
  EXPECT_FALSE(g->json);
  EXPECT_EQ(g->command, "ls");

  g = ParseGlobalOptions({"ls"}, Env({{"DM_ENDPOINT", "http://gw:9/"}, {"DM_CONFIG_DIR", "/c"}}));
  ASSERT_OK(g);
  EXPECT_EQ(g->endpoint, "http://gw:9");  // trailing slash dropped
  EXPECT_EQ(g->config_dir, "/c");
}

TEST(GlobalOptions, FlagsWinOverEnvironmentAndMayAppearAnywhere) {
  absl::StatusOr<GlobalOptions> g = ParseGlobalOptions(
      {"get", "--endpoint=http://a:1", "id1", "-o", "out", "--json", "--config-dir", "/x"},
      Env({{"DM_ENDPOINT", "http://env:2"}}));
  ASSERT_OK(g);
  EXPECT_EQ(g->endpoint, "http://a:1");
  EXPECT_EQ(g->config_dir, "/x");
  EXPECT_TRUE(g->json);
  EXPECT_EQ(g->command, "get");
  EXPECT_EQ(g->rest, (std::vector<std::string>{"id1", "-o", "out"}));
}

TEST(GlobalOptions, HelpAndErrors) {
  absl::StatusOr<GlobalOptions> g = ParseGlobalOptions({"put", "--help"}, Env({}));
  ASSERT_OK(g);
  EXPECT_TRUE(g->help);
  EXPECT_EQ(g->command, "put");
  EXPECT_THAT(ParseGlobalOptions({"ls", "--endpoint"}, Env({})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseGlobalOptions({"ls", "--endpoint", "gw:80"}, Env({})),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CommandArgs, ParsesValuesFlagsAndPositionals) {
  const CommandSpec spec{
      .value_options = {"name", "o", "range"}, .bool_options = {"e2e"}, .min_positionals = 1};
  absl::StatusOr<ParsedArgs> a = ParseCommandArgs(
      {"a.txt", "--name", "n", "--e2e", "-o", "out", "--range=-10", "--", "--weird"}, spec, "put");
  ASSERT_OK(a);
  EXPECT_EQ(a->positionals, (std::vector<std::string>{"a.txt", "--weird"}));
  EXPECT_EQ(a->Value("name"), "n");
  EXPECT_EQ(a->Value("o"), "out");
  EXPECT_EQ(a->Value("range"), "-10");
  EXPECT_TRUE(a->Has("e2e"));
  EXPECT_FALSE(a->Value("missing").has_value());
}

TEST(CommandArgs, RejectsWhatTheCommandDoesNotTake) {
  const CommandSpec spec{.value_options = {"name"},
                         .bool_options = {"all"},
                         .min_positionals = 1,
                         .max_positionals = 1};
  EXPECT_THAT(ParseCommandArgs({"x", "--bogus"}, spec, "c"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCommandArgs({"x", "--name"}, spec, "c"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCommandArgs({"x", "--all=yes"}, spec, "c"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCommandArgs({}, spec, "c"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCommandArgs({"x", "y"}, spec, "c"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RangeOption, AcceptsHttpByteRangesOnly) {
  EXPECT_EQ(*ParseRangeOption("0-99"), "bytes=0-99");
  EXPECT_EQ(*ParseRangeOption("100-"), "bytes=100-");
  EXPECT_EQ(*ParseRangeOption("-10"), "bytes=-10");
  for (const char* bad : {"", "-", "5", "9-3", "a-b", "1-2-3", "-0", " 1-2"}) {
    EXPECT_THAT(ParseRangeOption(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(TagsOption, NeedsKeyColonValuePairs) {
  absl::StatusOr<std::map<std::string, std::string>> tags = ParseTagsOption("k:v,color:red,e:");
  ASSERT_OK(tags);
  EXPECT_EQ(tags->at("color"), "red");
  EXPECT_EQ(tags->at("e"), "");
  EXPECT_THAT(ParseTagsOption("novalue"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTagsOption(":v"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseTagsOption(","), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PositiveOption, RejectsZeroAndJunk) {
  EXPECT_EQ(*ParsePositive("limit", "5"), 5u);
  EXPECT_THAT(ParsePositive("limit", "0"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParsePositive("limit", "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParsePositive("limit", "-3"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace datamesh::cli
