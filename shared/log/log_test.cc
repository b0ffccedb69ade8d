#include "shared/log/log.h"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

namespace datamesh::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.service = "auth";
    o.instance = "i-1";
    o.level = Level::kInfo;
    o.sink = [this](std::string_view line) { lines_.emplace_back(line); };
    Configure(o);
  }
  void TearDown() override { Configure(Options{}); }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, WritesOneJsonLineWithFields) {
  Info("listening", {{"addr", "0.0.0.0:7001"}, {"port", 7001}, {"tls", false}});
  ASSERT_EQ(lines_.size(), 1u);
  const std::string& l = lines_[0];
  EXPECT_EQ(l.back(), '\n');
  EXPECT_NE(l.find("\"level\":\"info\""), std::string::npos);
  EXPECT_NE(l.find("\"service\":\"auth\""), std::string::npos);
  EXPECT_NE(l.find("\"instance\":\"i-1\""), std::string::npos);
  EXPECT_NE(l.find("\"msg\":\"listening\""), std::string::npos);
  EXPECT_NE(l.find("\"addr\":\"0.0.0.0:7001\",\"port\":7001,\"tls\":false}"), std::string::npos);
}

TEST_F(LogTest, DropsLinesBelowTheLevel) {
  Debug("noise");
  Warn("careful");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("\"level\":\"warn\""), std::string::npos);
}

TEST_F(LogTest, AddsTheRequestIdOfTheScope) {
  {
    ScopedRequestId outer("req-1");
    Info("a");
    {
      ScopedRequestId inner("req-2");
      Info("b");
    }
    Info("c");
  }
  Info("d");
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_NE(lines_[0].find("\"request_id\":\"req-1\""), std::string::npos);
  EXPECT_NE(lines_[1].find("\"request_id\":\"req-2\""), std::string::npos);
  EXPECT_NE(lines_[2].find("\"request_id\":\"req-1\""), std::string::npos);
  EXPECT_EQ(lines_[3].find("request_id"), std::string::npos);
}

TEST(AppendJsonString, EscapesControlsQuotesAndInvalidUtf8) {
  std::string out;
  AppendJsonString(&out, std::string("a\"b\\c\nd\x01") + "\xff" + "é");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001\xEF\xBF\xBD\xC3\xA9\"");
}

TEST(AppendJsonString, ReplacesSurrogatesOverlongFormsAndCodePointsPastTheLast) {
  std::string out;
  AppendJsonString(&out, "\xED\xA0\x80|\xE0\x80\xAF|\xF4\x90\x80\x80");
  EXPECT_EQ(out.find('\xED'), std::string::npos);
  EXPECT_EQ(out.find('\xE0'), std::string::npos);
  EXPECT_EQ(out.find('\xF4'), std::string::npos);
  EXPECT_NE(out.find("\xEF\xBF\xBD|"), std::string::npos);
}

TEST(FormatLine, WritesNonFiniteNumbersAsNull) {
  const std::string line = FormatLine(Options{}, Level::kInfo, "m",
                                      {{"rate", std::numeric_limits<double>::quiet_NaN()}}, "");
  EXPECT_NE(line.find("\"rate\":null"), std::string::npos) << line;
}

TEST(ParseLevel, KnowsTheFourLevels) {
  Level l;
  EXPECT_TRUE(ParseLevel("warn", &l));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud", &l));
}

}  // namespace
}  // namespace datamesh::log
