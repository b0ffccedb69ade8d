#include "tools/thrash/options.h"

#include <gtest/gtest.h>

#include <vector>

#include "absl/strings/str_split.h"

namespace datamesh::thrash {
namespace {

absl::StatusOr<ThrashOptions> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "dm-thrash");
  bool help = false;
  std::string usage;
  return ParseOptions(static_cast<int>(args.size()), args.data(), &help, &usage);
}

TEST(Options, TheReplayCommandGivesBackTheSameRun) {
  auto first = Parse({"--dir", "/tmp/stack", "--bin", "/tmp/bin", "--seed", "123", "--profile",
                      "long", "--duration", "10m", "--clients", "4", "--pause-max", "12s"});
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string replay = ReplayCommand(*first);
  EXPECT_NE(replay.find("--seed 123"), std::string::npos) << replay;
  // Parsed again (quotes stripped as a shell would), the command gives the same schedule.
  std::vector<std::string> words = absl::StrSplit(replay, ' ');
  std::vector<const char*> args;
  for (std::string& w : words) {
    if (w.size() >= 2 && w.front() == '\'') w = w.substr(1, w.size() - 2);
  }
  for (size_t i = 1; i < words.size(); ++i) args.push_back(words[i].c_str());
  auto again = Parse(args);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(ReplayCommand(*again), replay);
  EXPECT_EQ(again->schedule.pause_max_ms, 12'000);
  EXPECT_EQ(again->schedule.profile, Profile::kLong);
  EXPECT_EQ(again->clients, 4);
  EXPECT_EQ(again->load.big_percent, first->load.big_percent);
}

TEST(Options, WithoutASeedOneIsDrawnAndStillPrinted) {
  auto o = Parse({"--dir", "d", "--bin", "b"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_NE(o->seed, 0u);
  EXPECT_NE(ReplayCommand(*o).find("--seed " + std::to_string(o->seed)), std::string::npos);
}

TEST(Options, BadInputIsRefusedWithTheFlagNamed) {
  const std::vector<std::vector<const char*>> bad = {
      {"--bin", "b"},
      {"--dir", "d", "--bin", "b", "--seed", "-1"},
      {"--dir", "d", "--bin", "b", "--seed", "x"},
      {"--dir", "d", "--bin", "b", "--profile", "medium"},
      {"--dir", "d", "--bin", "b", "--clients", "0"},
      {"--dir", "d", "--bin", "b", "--pause-min", "30s"},
      {"--dir", "d", "--bin", "b", "--max-stores-down", "9"},
      {"--dir", "d", "--bin", "b", "--no-such-flag", "1"},
  };
  for (const auto& args : bad) {
    auto o = Parse(args);
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument) << args.back();
  }
}

}  // namespace
}  // namespace datamesh::thrash
