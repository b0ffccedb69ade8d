#include "tools/cli/progress.h"

#include <gtest/gtest.h>

namespace datamesh::cli {
namespace {

TEST(Progress, FormatsBytesWithBinaryUnits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.50 KiB");
  EXPECT_EQ(FormatBytes(uint64_t{12} << 20 | (uint64_t{3} << 20) / 10), "12.3 MiB");
  EXPECT_EQ(FormatBytes(uint64_t{512} << 30), "512 GiB");
  EXPECT_EQ(FormatBytes(uint64_t{2} << 40), "2.00 TiB");
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(FormatDuration(0), "0:00");
  EXPECT_EQ(FormatDuration(7.4), "0:07");
  EXPECT_EQ(FormatDuration(754), "12:34");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatDuration(-1), "--:--");
}

TEST(Progress, LineShowsPercentBarRateAndEta) {
  // 10 MiB of 40 MiB in 2 s: 5 MiB/s, 30 MiB left → 6 s.
  const std::string line = FormatProgressLine(10 << 20, 40 << 20, 2.0, 80);
  EXPECT_EQ(line.rfind(" 25% [", 0), 0u) << line;
  EXPECT_NE(line.find("10.0 MiB/40.0 MiB"), std::string::npos) << line;
  EXPECT_NE(line.find("5.00 MiB/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 0:06"), std::string::npos) << line;
  EXPECT_LE(line.size(), 80u);
}

TEST(Progress, LineFitsNarrowWidthsAndUnknownTotals) {
  for (int width : {10, 30, 50, 120}) {
    EXPECT_LE(FormatProgressLine(1, 1 << 30, 1.0, width).size(), static_cast<size_t>(width));
  }
  const std::string unknown = FormatProgressLine(3 << 20, 0, 1.0, 80);
  EXPECT_EQ(unknown.find('%'), std::string::npos);
  EXPECT_EQ(unknown.find("ETA"), std::string::npos);
  EXPECT_NE(unknown.find("3.00 MiB"), std::string::npos);
  EXPECT_NE(FormatProgressLine(5, 10, 0.0, 80).find("ETA --:--"), std::string::npos);
  EXPECT_EQ(FormatProgressLine(10, 10, 1.0, 80).rfind("100% [====", 0), 0u);
}

TEST(Progress, BarDrawsNothingWhenDisabledOrNeverUpdated) {
  char buffer[256] = {0};
  FILE* out = fmemopen(buffer, sizeof(buffer), "w");
  {
    ProgressBar disabled(false, "x", out);
    disabled.Update(5 << 20, 10 << 20);
    disabled.Finish();
    ProgressBar quiet(true, "y", out);
    quiet.Finish();
  }
  std::fflush(out);
  EXPECT_EQ(std::string(buffer), "");
  {
    ProgressBar shown(true, "z", out);
    shown.Update(5 << 20, 10 << 20);
    shown.Finish();
  }
  std::fclose(out);
  EXPECT_NE(std::string(buffer).find("z   50%"), std::string::npos) << buffer;
}

}  // namespace
}  // namespace datamesh::cli
