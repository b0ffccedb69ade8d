#include "services/monitoring/store/rollup_points.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "services/monitoring/chunks/chunk_codec.h"
#include "services/monitoring/promql/kahan.h"

namespace datamesh::monitoring::store {
namespace {

constexpr uint8_t kVersion = 1;
constexpr int kColumns = 9;

double Column(const promql::RollupPoint& p, int c) {
  switch (c) {
    case 0: return p.count;
    case 1: return p.sum;
    case 2: return p.min;
    case 3: return p.max;
    case 4: return p.first;
    case 5: return p.last;
    case 6: return p.correction;
    case 7: return static_cast<double>(p.first_t - p.t);
    default: return static_cast<double>(p.last_t - p.t);
  }
}

// Sets column `c` of `p`; false when a time offset is not a whole number of milliseconds.
bool SetColumn(promql::RollupPoint& p, int c, double v) {
  switch (c) {
    case 0: p.count = v; return true;
    case 1: p.sum = v; return true;
    case 2: p.min = v; return true;
    case 3: p.max = v; return true;
    case 4: p.first = v; return true;
    case 5: p.last = v; return true;
    case 6: p.correction = v; return true;
    default: {
      if (!(std::fabs(v) < 9e15) || v != std::trunc(v)) return false;
      (c == 7 ? p.first_t : p.last_t) = p.t + static_cast<int64_t>(v);
      return true;
    }
  }
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

absl::Status Corrupt(const std::string& what) { return absl::DataLossError("rollup row: " + what); }

}  // namespace

std::vector<promql::RollupPoint> RollUp(const std::vector<promql::SamplePoint>& samples,
                                        int64_t resolution_ms) {
  std::vector<promql::RollupPoint> out;
  double compensation = 0;  // of the last interval's sum
  auto finish_sum = [&] {
    if (!out.empty() && !std::isinf(out.back().sum)) out.back().sum += compensation;
    compensation = 0;
  };
  for (const promql::SamplePoint& s : samples) {
    if (promql::IsStaleMarker(s.v)) continue;
    const int64_t start = FloorTo(s.t, resolution_ms);
    if (out.empty() || out.back().t != start) {
      finish_sum();
      out.push_back({.t = start,
                     .count = 1,
                     .sum = s.v,
                     .min = s.v,
                     .max = s.v,
                     .first = s.v,
                     .last = s.v,
                     .correction = 0,
                     .first_t = s.t,
                     .last_t = s.t});
      continue;
    }
    promql::RollupPoint& p = out.back();
    // Prometheus' min/max_over_time: a NaN is replaced by the next value.
    if (p.min > s.v || std::isnan(p.min)) p.min = s.v;
    if (p.max < s.v || std::isnan(p.max)) p.max = s.v;
    if (s.v < p.last) p.correction += p.last;  // a counter reset, as rate counts it
    p.count += 1;
    promql::KahanAdd(s.v, p.sum, compensation);
    p.last = s.v;
    p.last_t = s.t;
  }
  finish_sum();
  return out;
}

std::string EncodeRollups(const std::vector<promql::RollupPoint>& points) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(kColumns));
  for (int c = 0; c < kColumns; ++c) {
    chunks::ChunkWriter writer;
    for (const promql::RollupPoint& p : points) {
      // Interval starts strictly increase, so Append cannot refuse them.
      (void)writer.Append(p.t, Column(p, c));
    }
    const std::string sealed = writer.Seal();
    PutVarint(out, sealed.size());
    out += sealed;
  }
  return out;
}

absl::StatusOr<std::vector<promql::RollupPoint>> DecodeRollups(std::string_view bytes) {
  if (bytes.size() < 2) return Corrupt("shorter than its header");
  if (static_cast<uint8_t>(bytes[0]) != kVersion) {
    return Corrupt(absl::StrCat("unknown version ", static_cast<int>(bytes[0])));
  }
  if (bytes[1] != kColumns) return Corrupt("wrong number of columns");
  bytes.remove_prefix(2);
  std::vector<promql::RollupPoint> points;
  for (int c = 0; c < kColumns; ++c) {
    uint64_t length = 0;
    if (!GetVarint(bytes, length) || length > bytes.size()) return Corrupt("truncated column");
    absl::StatusOr<std::vector<chunks::ChunkSample>> column =
        chunks::DecodeChunk(bytes.substr(0, length));
    if (!column.ok()) return Corrupt(std::string(column.status().message()));
    bytes.remove_prefix(length);
    if (c == 0) points.resize(column->size());
    if (column->size() != points.size()) return Corrupt("columns of different lengths");
    for (size_t i = 0; i < points.size(); ++i) {
      if (c == 0) points[i].t = (*column)[i].timestamp_ms;
      if ((*column)[i].timestamp_ms != points[i].t) return Corrupt("columns at different times");
      if (!SetColumn(points[i], c, (*column)[i].value))
        return Corrupt("a sample time is not whole");
    }
  }
  if (!bytes.empty()) return Corrupt("bytes after the last column");
  return points;
}

}  // namespace datamesh::monitoring::store
