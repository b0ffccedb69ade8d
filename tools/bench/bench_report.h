// Shared output of the end-to-end benchmark clients (dm-file-bench, dm-auth-bench): one
// markdown table row per figure, `| name | figure |`, as tools/bench/run.sh prints them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace datamesh::bench {

// The p-quantile (0..1) of `v`, nearest rank; 0 for no samples.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t idx = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

inline std::string SizeText(uint64_t n) {
  if (n >= (uint64_t{1} << 30) && n % (uint64_t{1} << 30) == 0)
    return absl::StrCat(n >> 30, " GiB");
  if (n >= (uint64_t{1} << 20) && n % (uint64_t{1} << 20) == 0)
    return absl::StrCat(n >> 20, " MiB");
  if (n >= 1024 && n % 1024 == 0) return absl::StrCat(n >> 10, " KiB");
  return absl::StrCat(n, " B");
}

inline void Row(const std::string& name, const std::string& figure) {
  std::printf("| %-48s | %12s |\n", name.c_str(), figure.c_str());
  std::fflush(stdout);
}

inline std::string Fixed(double v, const char* unit, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f %s", decimals, v, unit);
  return buf;
}

inline std::string Pair(double p50_ms, double p99_ms, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f / %.*f ms", decimals, p50_ms, decimals, p99_ms);
  return buf;
}

}  // namespace datamesh::bench
