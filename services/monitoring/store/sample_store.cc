#include "services/monitoring/store/sample_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "services/monitoring/store/rollup_points.h"
#include "shared/log/log.h"
#include "shared/status/status.h"
#include "shared/text/utf8.h"

namespace datamesh::monitoring::store {
namespace {

// Sorts by time and keeps the first sample of each time: chunks written by two replicas around
// a hand-over, or a head read just before its flush, may repeat samples.
void SortUnique(std::vector<promql::SamplePoint>& samples) {
  std::stable_sort(
      samples.begin(), samples.end(),
      [](const promql::SamplePoint& a, const promql::SamplePoint& b) { return a.t < b.t; });
  samples.erase(std::unique(samples.begin(), samples.end(),
                            [](const promql::SamplePoint& a, const promql::SamplePoint& b) {
                              return a.t == b.t;
                            }),
                samples.end());
}

prometheus::Counter& Counter(prometheus::Registry& r, const std::string& name,
                             const std::string& help, const prometheus::Labels& labels = {}) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}

prometheus::Gauge& Gauge(prometheus::Registry& r, const std::string& name,
                         const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

bool ValidLabels(const promql::Labels& labels) {
  if (promql::GetLabel(labels, promql::kMetricNameLabel).empty()) return false;
  for (const promql::Label& l : labels) {
    // jsonb cannot hold NUL, and every label must survive a round trip through JSON.
    if (l.value.find('\0') != std::string::npos || !text::IsValidUtf8(l.value) ||
        !text::IsValidUtf8(l.name)) {
      return false;
    }
  }
  return true;
}

SampleStore::SampleStore(pg::Pool& pool, Options options, prometheus::Registry& metrics)
    : options_(options),
      table_(pool),
      heads_(options.head),
      rollup_table_(pool),
      builder_(pool, RollupBuilder::Options{.resolutions = options.rollups,
                                            .settle = options.rollup_settle}),
      appended_(Counter(metrics, "datamesh_monitoring_samples_appended_total",
                        "samples appended to the store")),
      refused_out_of_order_(Counter(metrics, "datamesh_monitoring_samples_refused_total",
                                    "samples refused by the store, by reason",
                                    {{"reason", "out_of_order"}})),
      refused_invalid_(Counter(metrics, "datamesh_monitoring_samples_refused_total",
                               "samples refused by the store, by reason", {{"reason", "invalid"}})),
      flushes_ok_(Counter(metrics, "datamesh_monitoring_flushes_total",
                          "flushes of the head chunks to PostgreSQL, by outcome",
                          {{"outcome", "ok"}})),
      flushes_failed_(Counter(metrics, "datamesh_monitoring_flushes_total",
                              "flushes of the head chunks to PostgreSQL, by outcome",
                              {{"outcome", "failed"}})),
      chunks_deleted_(Counter(metrics, "datamesh_monitoring_chunks_deleted_total",
                              "chunks deleted by retention")),
      corrupt_chunks_(Counter(metrics, "datamesh_monitoring_corrupt_chunks_total",
                              "stored chunks that failed their checks when read (skipped)")),
      head_series_gauge_(
          Gauge(metrics, "datamesh_monitoring_head_series", "series with an open head chunk")),
      unwritten_samples_(Gauge(metrics, "datamesh_monitoring_unwritten_samples",
                               "samples in memory not yet written to PostgreSQL")) {}

AppendCounts SampleStore::Append(const std::vector<Sample>& samples, absl::Time now) {
  AppendCounts counts;
  for (const Sample& s : samples) {
    if (!ValidLabels(s.labels)) {
      ++counts.invalid;
      continue;
    }
    switch (heads_.Append(s.labels, s.t_ms, s.value, now)) {
      case AppendOutcome::kAppended: ++counts.appended; break;
      case AppendOutcome::kDuplicate: ++counts.duplicates; break;
      case AppendOutcome::kOutOfOrder: ++counts.out_of_order; break;
    }
  }
  appended_.Increment(static_cast<double>(counts.appended));
  refused_out_of_order_.Increment(static_cast<double>(counts.out_of_order));
  refused_invalid_.Increment(static_cast<double>(counts.invalid));
  return counts;
}

absl::Status SampleStore::Flush(absl::Time now, bool seal_all) {
  absl::MutexLock lock(&flush_mu_);
  std::vector<ChunkWrite> writes = heads_.CollectWrites(now, seal_all);
  absl::Status status = table_.ResolveSeries(writes);
  if (status.ok()) status = table_.WriteChunks(writes);
  heads_.Finish(std::move(writes));
  (status.ok() ? flushes_ok_ : flushes_failed_).Increment();
  head_series_gauge_.Set(static_cast<double>(heads_.num_series()));
  unwritten_samples_.Set(static_cast<double>(heads_.unwritten_samples()));
  return status;
}

absl::StatusOr<RetentionResult> SampleStore::ApplyRetention(absl::Time now) {
  int64_t rollups_deleted = 0;
  for (const RollupResolution& r : options_.rollups) {
    ASSIGN_OR_RETURN(int64_t n, rollup_table_.DeleteBefore(absl::ToInt64Milliseconds(r.resolution),
                                                           absl::ToUnixMillis(now - r.retention)));
    rollups_deleted += n;
  }
  int64_t cutoff = absl::ToUnixMillis(now - options_.retention);
  if (!options_.rollups.empty()) {
    // Raw samples go only once every resolution holds them.
    ASSIGN_OR_RETURN(const int64_t done, builder_.DoneUntil());
    rolled_up_until_ = done;
    cutoff = std::min(cutoff, done);
  }
  ASSIGN_OR_RETURN(RetentionResult r, table_.DeleteBefore(cutoff, options_.retention));
  r.rollups_deleted = rollups_deleted;
  chunks_deleted_.Increment(static_cast<double>(r.chunks_deleted));
  return r;
}

absl::StatusOr<RollupPass> SampleStore::BuildRollups(absl::Time now) {
  ASSIGN_OR_RETURN(RollupPass pass, builder_.Run(now));
  ASSIGN_OR_RETURN(rolled_up_until_, builder_.DoneUntil());
  return pass;
}

promql::StorageLayout SampleStore::Layout() const {
  promql::StorageLayout layout;
  if (options_.rollups.empty()) return layout;
  const absl::Time now = options_.clock();
  layout.raw_since_ms =
      std::min(absl::ToUnixMillis(now - options_.retention), rolled_up_until_.load());
  for (const RollupResolution& r : options_.rollups) {
    layout.rollups.push_back({absl::ToInt64Milliseconds(r.resolution),
                              absl::ToUnixMillis(now - r.retention)});
  }
  return layout;
}

absl::StatusOr<std::vector<promql::RollupSeries>> SampleStore::SelectRollups(
    const std::vector<promql::LabelMatcher>& matchers, int64_t resolution_ms, int64_t from_ms,
    int64_t to_ms) const {
  ASSIGN_OR_RETURN(std::vector<StoredSeries> stored, MatchingStored(matchers));
  std::vector<int64_t> ids;
  std::unordered_map<int64_t, size_t> index;
  std::vector<promql::RollupSeries> out;
  for (StoredSeries& s : stored) {
    ids.push_back(s.id);
    index[s.id] = out.size();
    out.push_back({std::move(s.labels), {}});
  }
  ASSIGN_OR_RETURN(std::vector<RollupRow> rows,
                   rollup_table_.Read(ids, resolution_ms, from_ms, to_ms));
  for (const RollupRow& row : rows) {
    absl::StatusOr<std::vector<promql::RollupPoint>> points = DecodeRollups(row.data);
    if (!points.ok()) {
      corrupt_chunks_.Increment();
      log::Warn("stored rollup row skipped", {{"series", row.series_id},
                                              {"error", std::string(points.status().message())}});
      continue;
    }
    std::vector<promql::RollupPoint>& dst = out[index[row.series_id]].points;
    for (const promql::RollupPoint& p : *points) {
      if (p.t >= from_ms && p.t <= to_ms && (dst.empty() || p.t > dst.back().t)) dst.push_back(p);
    }
  }
  std::erase_if(out, [](const promql::RollupSeries& s) { return s.points.empty(); });
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.labels < b.labels; });
  return out;
}

absl::StatusOr<std::vector<StoredSeries>> SampleStore::MatchingStored(
    const std::vector<promql::LabelMatcher>& matchers) const {
  // Equality with a non-empty value narrows the lookup in SQL (name index, GIN on labels);
  // every matcher is then applied here.
  SeriesFilter filter;
  for (const promql::LabelMatcher& m : matchers) {
    if (m.type() != promql::MatchType::kEqual || m.value().empty()) continue;
    if (m.name() == promql::kMetricNameLabel) {
      if (!filter.metric_name) filter.metric_name = m.value();
    } else {
      filter.equal_labels.push_back({m.name(), m.value()});
    }
  }
  ASSIGN_OR_RETURN(std::vector<StoredSeries> stored, table_.FindSeries(filter));
  std::erase_if(stored,
                [&](const StoredSeries& s) { return !promql::MatchesAll(matchers, s.labels); });
  return stored;
}

absl::StatusOr<std::vector<promql::Series>> SampleStore::Select(
    const std::vector<promql::LabelMatcher>& matchers, int64_t from_ms, int64_t to_ms) const {
  // Heads first: a flush between the two reads can then only repeat samples (merged away
  // below), never hide them.
  const std::vector<HeadSeries> heads = heads_.Select(matchers, from_ms, to_ms);
  ASSIGN_OR_RETURN(std::vector<StoredSeries> stored, MatchingStored(matchers));
  std::vector<int64_t> ids;
  ids.reserve(stored.size());
  for (const StoredSeries& s : stored) ids.push_back(s.id);
  ASSIGN_OR_RETURN(std::vector<StoredChunk> chunks, table_.ReadChunks(ids, from_ms, to_ms));

  std::set<int64_t> superseded;  // rows whose samples the heads hold in full
  for (const HeadSeries& h : heads)
    superseded.insert(h.superseded_rows.begin(), h.superseded_rows.end());
  std::map<std::string, promql::Series> merged;  // by LabelsKey: answers come in label order
  std::unordered_map<int64_t, promql::Series*> by_id;
  for (StoredSeries& s : stored) {
    promql::Series& out = merged[promql::LabelsKey(s.labels)];
    out.labels = std::move(s.labels);
    by_id[s.id] = &out;
  }
  for (const StoredChunk& c : chunks) {
    if (superseded.count(c.id) > 0) continue;
    absl::StatusOr<chunks::SealedChunk> chunk = chunks::OpenChunk(c.data);
    if (!chunk.ok()) {
      corrupt_chunks_.Increment();
      log::Warn("stored chunk skipped",
                {{"chunk", c.id}, {"error", std::string(chunk.status().message())}});
      continue;
    }
    std::vector<promql::SamplePoint>& samples = by_id[c.series_id]->samples;
    for (chunks::ChunkIterator it = chunk->Iterate(); it.Next();) {
      const chunks::ChunkSample& s = it.sample();
      if (s.timestamp_ms > to_ms) break;
      if (s.timestamp_ms >= from_ms) samples.push_back({s.timestamp_ms, s.value});
    }
  }
  for (const HeadSeries& h : heads) {
    promql::Series& out = merged[promql::LabelsKey(h.labels)];
    if (out.labels.empty()) out.labels = h.labels;
    out.samples.insert(out.samples.end(), h.samples.begin(), h.samples.end());
  }
  std::vector<promql::Series> result;
  for (auto& [key, s] : merged) {
    if (s.samples.empty()) continue;
    SortUnique(s.samples);
    result.push_back(std::move(s));
  }
  return result;
}

absl::StatusOr<std::vector<promql::Labels>> SampleStore::FindSeries(
    const std::vector<std::vector<promql::LabelMatcher>>& selectors, int64_t from_ms,
    int64_t to_ms) const {
  std::map<std::string, promql::Labels> found;
  for (const std::vector<promql::LabelMatcher>& matchers : selectors) {
    for (const HeadSeries& h : heads_.Select(matchers, from_ms, to_ms)) {
      if (!h.samples.empty()) found.emplace(promql::LabelsKey(h.labels), h.labels);
    }
    ASSIGN_OR_RETURN(std::vector<StoredSeries> stored, MatchingStored(matchers));
    std::unordered_map<int64_t, const promql::Labels*> by_id;
    std::vector<int64_t> ids;
    for (const StoredSeries& s : stored) {
      by_id[s.id] = &s.labels;
      ids.push_back(s.id);
    }
    ASSIGN_OR_RETURN(std::vector<int64_t> with_data,
                     table_.SeriesWithChunksIn(ids, from_ms, to_ms));
    for (int64_t id : with_data) {
      const promql::Labels& labels = *by_id[id];
      found.emplace(promql::LabelsKey(labels), labels);
    }
  }
  std::vector<promql::Labels> out;
  out.reserve(found.size());
  for (auto& [key, labels] : found) out.push_back(std::move(labels));
  return out;
}

}  // namespace datamesh::monitoring::store
