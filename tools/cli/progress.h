// Transfer progress for the terminal: a single-line bar with bytes, rate and ETA on stderr.
//
// The formatting functions are pure (unit-tested). ProgressBar decides whether to draw at all
// (only for transfers over 1 MiB, only when stderr is a terminal and machine output is off) and
// throttles redraws to about ten per second. Not thread-safe; one per transfer.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace datamesh::cli {

// "0 B", "999 B", "1.5 KiB", "12.3 MiB", "2.00 GiB"...
std::string FormatBytes(uint64_t bytes);

// "0:07", "12:34", "1:02:03"; "--:--" for an unknown (negative) duration.
std::string FormatDuration(double seconds);

// One progress line, at most `width` columns, e.g.
// " 45% [=========>           ] 12.3 MiB/27.0 MiB  5.1 MiB/s  ETA 0:03".
// `total` 0 means unknown (no percentage, bar or ETA).
std::string FormatProgressLine(uint64_t done, uint64_t total, double seconds, int width);

class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;

  // `enabled` is the caller's decision (ShouldShowProgress); `label` prefixes the line.
  ProgressBar(bool enabled, std::string label, FILE* out = stderr);
  ~ProgressBar();  // ends the line if anything was drawn

  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Records progress; redraws when enough time passed since the last draw.
  void Update(uint64_t done, uint64_t total);
  // Draws the final state and ends the line.
  void Finish();

 private:
  void Draw(uint64_t done, uint64_t total);

  bool enabled_;
  std::string label_;
  FILE* out_;
  Clock::time_point start_;
  Clock::time_point last_draw_{};
  uint64_t done_ = 0;
  uint64_t total_ = 0;
  bool drawn_ = false;
  bool finished_ = false;
};

// True when a bar should be shown: `total` over 1 MiB, stderr is a terminal, no --json.
bool ShouldShowProgress(uint64_t total, bool json_output);

}  // namespace datamesh::cli
