#include "tools/cli/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace datamesh::cli {
namespace {

constexpr uint64_t kProgressThreshold = 1 << 20;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kDefaultWidth = 80;

int TerminalWidth() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20) return size.ws_col;
  return kDefaultWidth;
}

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  // Three significant digits: "1.50 KiB", "12.3 MiB", "512 GiB".
  const char* format = value < 10 ? "%.2f %s" : value < 100 ? "%.1f %s" : "%.0f %s";
  return absl::StrFormat(format, value, kUnits[unit]);
}

std::string FormatDuration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return "--:--";
  auto total = static_cast<uint64_t>(std::llround(seconds));
  const uint64_t h = total / 3600, m = (total / 60) % 60, s = total % 60;
  if (h > 0) return absl::StrFormat("%d:%02d:%02d", h, m, s);
  return absl::StrFormat("%d:%02d", m, s);
}

std::string FormatProgressLine(uint64_t done, uint64_t total, double seconds, int width) {
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::string tail =
      total > 0 ? absl::StrCat(FormatBytes(done), "/", FormatBytes(total)) : FormatBytes(done);
  absl::StrAppend(&tail, "  ", FormatBytes(static_cast<uint64_t>(rate)), "/s");
  if (total == 0) return tail.substr(0, std::max(0, width));
  const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  const double eta = rate > 0 ? static_cast<double>(total - std::min(done, total)) / rate : -1;
  absl::StrAppend(&tail, "  ETA ", FormatDuration(eta));
  std::string head = absl::StrFormat("%3d%% ", static_cast<int>(fraction * 100));
  const int bar_width = width - static_cast<int>(head.size() + tail.size()) - 3;
  if (bar_width >= 5) {
    const int filled = static_cast<int>(fraction * bar_width);
    std::string bar(bar_width, ' ');
    std::fill(bar.begin(), bar.begin() + filled, '=');
    if (filled < bar_width) bar[filled] = '>';
    absl::StrAppend(&head, "[", bar, "] ");
  }
  std::string line = head + tail;
  return line.substr(0, std::max(0, width));
}

ProgressBar::ProgressBar(bool enabled, std::string label, FILE* out)
    : enabled_(enabled), label_(std::move(label)), out_(out), start_(Clock::now()) {}

ProgressBar::~ProgressBar() {
  if (drawn_ && !finished_) std::fputc('\n', out_);
}

void ProgressBar::Update(uint64_t done, uint64_t total) {
  done_ = done;
  total_ = total;
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  if (drawn_ && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  Draw(done, total);
}

void ProgressBar::Finish() {
  // A bar that never appeared (small or fast transfer) stays invisible.
  if (!enabled_ || finished_ || !drawn_) return;
  Draw(done_, total_);
  std::fputc('\n', out_);
  finished_ = true;
}

void ProgressBar::Draw(uint64_t done, uint64_t total) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  const int width = TerminalWidth() - static_cast<int>(label_.size()) - 2;
  // \r returns to the line start; \x1b[K clears what a longer previous line left behind.
  std::fprintf(out_, "\r%s  %s\x1b[K", label_.c_str(),
               FormatProgressLine(done, total, seconds, width).c_str());
  std::fflush(out_);
  drawn_ = true;
}

bool ShouldShowProgress(uint64_t total, bool json_output) {
  return !json_output && total > kProgressThreshold && isatty(STDERR_FILENO) == 1;
}

}  // namespace datamesh::cli
