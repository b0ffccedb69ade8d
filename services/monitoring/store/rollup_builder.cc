#include "services/monitoring/store/rollup_builder.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/monitoring/chunks/chunk_codec.h"
#include "services/monitoring/store/rollup_points.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::monitoring::store {
namespace {

// Intervals per stored row: a day of 5-minute intervals, 12 days of hours.
constexpr int64_t kPointsPerRow = 288;


// The samples of one series in [from, to), from its chunks (which two replicas may have
// written overlapping), sorted and without repeated times.
std::vector<promql::SamplePoint> WindowSamples(const std::vector<const std::string*>& chunks,
                                               int64_t from, int64_t to) {
  std::vector<promql::SamplePoint> out;
  for (const std::string* bytes : chunks) {
    absl::StatusOr<chunks::SealedChunk> chunk = chunks::OpenChunk(*bytes);
    if (!chunk.ok()) {
      log::Warn("corrupt chunk left out of the rollups",
                {{"error", std::string(chunk.status().message())}});
      continue;
    }
    for (chunks::ChunkIterator it = chunk->Iterate(); it.Next();) {
      const chunks::ChunkSample& s = it.sample();
      if (s.timestamp_ms >= to) break;
      if (s.timestamp_ms >= from) out.push_back({s.timestamp_ms, s.value});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.t < b.t; });
  out.erase(
      std::unique(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.t == b.t; }),
      out.end());
  return out;
}

}  // namespace

absl::StatusOr<std::vector<RollupResolution>> ParseRollups(std::string_view text) {
  std::vector<RollupResolution> out;
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> fields = absl::StrSplit(part, ':');
    RollupResolution r;
    if (fields.size() != 2 || !absl::ParseDuration(fields[0], &r.resolution) ||
        !absl::ParseDuration(fields[1], &r.retention)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--rollups: \"", part, "\" is not resolution:retention (e.g. 5m:720h)"));
    }
    if (r.resolution < absl::Seconds(1) ||
        r.resolution != absl::Seconds(absl::ToInt64Seconds(r.resolution))) {
      return absl::InvalidArgumentError(
          absl::StrCat("--rollups: resolution \"", fields[0], "\" must be whole seconds, >= 1s"));
    }
    if (r.retention < r.resolution) {
      return absl::InvalidArgumentError(
          absl::StrCat("--rollups: retention \"", fields[1], "\" is shorter than its resolution"));
    }
    if (!out.empty()) {
      const absl::Duration previous = out.back().resolution;
      if (r.resolution <= previous || r.resolution % previous != absl::ZeroDuration()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--rollups: resolution \"", fields[0],
                         "\" must be a multiple of the one before it, and longer (finest first)"));
      }
    }
    out.push_back(r);
  }
  return out;
}

RollupBuilder::RollupBuilder(pg::Pool& pool, Options options)
    : pool_(pool), options_(std::move(options)), table_(pool) {}

absl::StatusOr<RollupPass> RollupBuilder::Run(absl::Time now) {
  RollupPass pass;
  if (options_.resolutions.empty()) return pass;
  const int64_t complete_before = absl::ToUnixMillis(now - options_.settle);
  for (int i = 0; i < options_.max_windows; ++i) {
    bool built = false;
    RETURN_IF_ERROR(BuildOne(complete_before, pass, &built));
    if (!built) break;
  }
  return pass;
}

absl::Status RollupBuilder::BuildOne(int64_t complete_before_ms, RollupPass& pass, bool* built) {
  const int64_t window = absl::ToInt64Milliseconds(options_.resolutions.back().resolution);
  RollupPass counted;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    counted = RollupPass{};
    *built = false;
    const std::optional<int64_t> done = RollupTable::LockProgress(tx);
    if (!done) {
      counted.busy = true;
      return absl::OkStatus();
    }
    int64_t from = *done;
    if (from == 0) {
      const std::optional<int64_t> earliest = RollupTable::EarliestChunk(tx);
      if (!earliest) return absl::OkStatus();  // nothing stored yet
      from = FloorTo(*earliest, window);
    }
    counted.done_until_ms = from;
    const int64_t to = from + window;
    if (to > complete_before_ms) return absl::OkStatus();

    // Every series' samples of the window, then its new intervals grouped by stored row.
    std::map<int64_t, std::vector<const std::string*>> by_series;
    const auto chunks = RollupTable::ChunksIn(tx, from, to);
    for (const auto& [series, bytes] : chunks) by_series[series].push_back(&bytes);
    std::map<std::tuple<int64_t, int64_t, int64_t>, std::vector<promql::RollupPoint>> fresh;
    for (const auto& [series, bytes] : by_series) {
      const std::vector<promql::SamplePoint> samples = WindowSamples(bytes, from, to);
      counted.samples += static_cast<int64_t>(samples.size());
      for (const RollupResolution& r : options_.resolutions) {
        const int64_t res = absl::ToInt64Milliseconds(r.resolution);
        for (const promql::RollupPoint& p : RollUp(samples, res)) {
          fresh[{series, res, FloorTo(p.t, res * kPointsPerRow)}].push_back(p);
        }
      }
    }
    std::vector<RollupRow> keys;
    for (const auto& [key, points] : fresh) {
      keys.push_back({.series_id = std::get<0>(key),
                      .resolution_ms = std::get<1>(key),
                      .min_time = std::get<2>(key)});
    }
    std::map<std::tuple<int64_t, int64_t, int64_t>, RollupRow> stored;
    for (RollupRow& row : RollupTable::ReadRows(tx, keys)) {
      stored[{row.series_id, row.resolution_ms, row.min_time}] = std::move(row);
    }
    std::vector<RollupRow> writes;
    for (auto& [key, points] : fresh) {
      std::vector<promql::RollupPoint> all;
      if (auto it = stored.find(key); it != stored.end()) {
        absl::StatusOr<std::vector<promql::RollupPoint>> old = DecodeRollups(it->second.data);
        if (old.ok()) {
          all = *std::move(old);
        } else {
          // Its intervals are lost; the row starts again from this window.
          log::Warn("corrupt rollup row replaced",
                    {{"series", std::get<0>(key)}, {"error", std::string(old.status().message())}});
        }
      }
      const size_t before = all.size();
      for (const promql::RollupPoint& p : points) {
        if (all.empty() || p.t > all.back().t) all.push_back(p);  // never an interval twice
      }
      if (all.size() == before) continue;
      counted.points += static_cast<int64_t>(all.size() - before);
      writes.push_back({.series_id = std::get<0>(key),
                        .resolution_ms = std::get<1>(key),
                        .min_time = std::get<2>(key),
                        .max_time = all.back().t,
                        .points = static_cast<int32_t>(all.size()),
                        .data = EncodeRollups(all)});
    }
    RollupTable::WriteRows(tx, writes);
    RollupTable::SetProgress(tx, to);
    counted.done_until_ms = to;
    counted.windows = 1;
    *built = true;
    return absl::OkStatus();
  }));
  pass.windows += counted.windows;
  pass.samples += counted.samples;
  pass.points += counted.points;
  pass.busy = pass.busy || counted.busy;
  if (counted.done_until_ms != 0) pass.done_until_ms = counted.done_until_ms;
  return absl::OkStatus();
}

}  // namespace datamesh::monitoring::store
