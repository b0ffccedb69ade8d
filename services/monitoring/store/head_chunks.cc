#include "services/monitoring/store/head_chunks.h"

#include <algorithm>
#include <cstring>

namespace datamesh::monitoring::store {
namespace {

uint64_t Bits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

void AppendInRange(chunks::ChunkIterator it, int64_t from_ms, int64_t to_ms,
                   std::vector<promql::SamplePoint>& out) {
  while (it.Next()) {
    const chunks::ChunkSample& s = it.sample();
    if (s.timestamp_ms > to_ms) break;
    if (s.timestamp_ms >= from_ms) out.push_back({s.timestamp_ms, s.value});
  }
}

}  // namespace

AppendOutcome HeadChunks::Append(const promql::Labels& labels, int64_t t_ms, double value,
                                 absl::Time now) {
  std::string key = promql::LabelsKey(labels);
  const uint64_t bits = Bits(value);
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = heads_.try_emplace(std::move(key));
  Head& head = it->second;
  if (inserted) {
    head.labels = labels;
    head.generation = next_generation_++;
  }
  if (head.has_last) {
    if (t_ms == head.last_time && bits == head.last_bits) return AppendOutcome::kDuplicate;
    if (t_ms <= head.last_time) return AppendOutcome::kOutOfOrder;
  }
  if (head.writer.num_samples() >= options_.max_samples) Seal(it->first, head);
  if (head.writer.num_samples() == 0) {
    head.min_time = t_ms;
    head.opened = now;
  }
  // Cannot fail: the time is after the last one and the chunk has room.
  (void)head.writer.Append(t_ms, value);
  head.last_time = t_ms;
  head.last_bits = bits;
  head.has_last = true;
  head.last_append = now;
  return AppendOutcome::kAppended;
}

ChunkWrite HeadChunks::Snapshot(const std::string& key, const Head& head) {
  ChunkWrite w;
  w.key = key;
  w.labels = head.labels;
  w.series_id = head.series_id;
  w.row_id = head.row_id;
  w.min_time = head.min_time;
  w.max_time = head.last_time;
  w.samples = head.writer.num_samples();
  w.data = head.writer.Seal();
  w.generation = head.generation;
  return w;
}

void HeadChunks::Seal(const std::string& key, Head& head) {
  const uint32_t n = head.writer.num_samples();
  // A chunk whose every sample is already in its row needs no final write.
  if (n > 0 && !(head.row_id != 0 && head.written == n)) {
    ChunkWrite w = Snapshot(key, head);
    w.sealed = true;
    sealed_.push_back(std::move(w));
  }
  head.writer = chunks::ChunkWriter();
  head.row_id = 0;
  head.written = 0;
  head.generation = next_generation_++;
}

std::vector<ChunkWrite> HeadChunks::CollectWrites(absl::Time now, bool seal_all) {
  const int64_t max_age_ms = absl::ToInt64Milliseconds(options_.max_age);
  std::vector<ChunkWrite> out;
  absl::MutexLock lock(&mu_);
  for (auto it = heads_.begin(); it != heads_.end();) {
    Head& head = it->second;
    const uint32_t n = head.writer.num_samples();
    const bool due = n >= options_.max_samples || now - head.opened >= options_.max_age ||
                     head.last_time - head.min_time >= max_age_ms;
    if (n > 0 && (seal_all || due)) {
      Seal(it->first, head);
    } else if (n > head.written) {
      out.push_back(Snapshot(it->first, head));
    }
    if (head.writer.num_samples() == 0 &&
        (seal_all || now - head.last_append >= options_.max_age)) {
      it = heads_.erase(it);
      continue;
    }
    ++it;
  }
  for (ChunkWrite& w : sealed_) out.push_back(std::move(w));
  sealed_.clear();
  return out;
}

void HeadChunks::Finish(std::vector<ChunkWrite> writes) {
  absl::MutexLock lock(&mu_);
  for (ChunkWrite& w : writes) {
    auto it = heads_.find(w.key);
    if (it != heads_.end()) {
      Head& head = it->second;
      // The writer resolves a series once for all of its writes; 0 means its row is gone.
      head.series_id = w.series_id;
      if (w.written && !w.sealed) {
        if (w.generation == head.generation) {
          head.row_id = w.row_id;
          head.written = std::max(head.written, w.samples);
        } else {
          // The head was sealed while this write was in flight: its final write must rewrite
          // this row rather than insert a second copy.
          for (ChunkWrite& s : sealed_) {
            if (s.generation == w.generation) s.row_id = w.row_id;
          }
        }
      }
    }
    for (ChunkWrite& s : sealed_) {
      if (s.key == w.key) s.series_id = w.series_id;
    }
    if (!w.written && w.sealed) sealed_.push_back(std::move(w));
  }
}

std::vector<HeadSeries> HeadChunks::Select(const std::vector<promql::LabelMatcher>& matchers,
                                           int64_t from_ms, int64_t to_ms) const {
  std::vector<HeadSeries> out;
  std::unordered_map<std::string, size_t> index;
  auto entry = [&](const std::string& key, const promql::Labels& labels,
                   int64_t series_id) -> HeadSeries& {
    auto [it, inserted] = index.try_emplace(key, out.size());
    if (inserted) out.push_back(HeadSeries{labels, series_id, {}, {}});
    return out[it->second];
  };
  absl::MutexLock lock(&mu_);
  for (const ChunkWrite& w : sealed_) {
    if (!promql::MatchesAll(matchers, w.labels)) continue;
    absl::StatusOr<chunks::SealedChunk> chunk = chunks::OpenChunk(w.data);
    if (!chunk.ok()) continue;  // our own bytes: cannot happen
    HeadSeries& s = entry(w.key, w.labels, w.series_id);
    if (w.row_id != 0) s.superseded_rows.push_back(w.row_id);
    AppendInRange(chunk->Iterate(), from_ms, to_ms, s.samples);
  }
  for (const auto& [key, head] : heads_) {
    if (!promql::MatchesAll(matchers, head.labels)) continue;
    HeadSeries& s = entry(key, head.labels, head.series_id);
    if (head.row_id != 0) s.superseded_rows.push_back(head.row_id);
    AppendInRange(head.writer.Iterate(), from_ms, to_ms, s.samples);
  }
  for (HeadSeries& s : out) {
    std::sort(s.samples.begin(), s.samples.end(),
              [](const promql::SamplePoint& a, const promql::SamplePoint& b) { return a.t < b.t; });
  }
  return out;
}

size_t HeadChunks::num_series() const {
  absl::MutexLock lock(&mu_);
  return heads_.size();
}

uint64_t HeadChunks::unwritten_samples() const {
  absl::MutexLock lock(&mu_);
  uint64_t n = 0;
  for (const auto& [key, head] : heads_) n += head.writer.num_samples() - head.written;
  for (const ChunkWrite& w : sealed_) n += w.samples;
  return n;
}

}  // namespace datamesh::monitoring::store
