#include "services/monitoring/sample_import.h"

#include <set>

#include "services/monitoring/exposition/exposition_parser.h"
#include "services/monitoring/exposition/text_util.h"
#include "shared/status/status.h"

namespace datamesh::monitoring {

absl::StatusOr<ImportResult> ImportSamples(store::SampleStore& store, std::string_view text,
                                           std::string_view content_type, absl::Time now) {
  ASSIGN_OR_RETURN(
      exposition::Exposition parsed,
      exposition::ParseExposition(text, exposition::FormatFromContentType(content_type)));
  const int64_t now_ms = absl::ToUnixMillis(now);
  std::vector<store::Sample> samples;
  samples.reserve(parsed.samples.size());
  for (size_t i = 0; i < parsed.samples.size(); ++i) {
    exposition::Sample& s = parsed.samples[i];
    std::vector<promql::Label> labels{{std::string(promql::kMetricNameLabel), std::move(s.name)}};
    for (exposition::Label& l : s.labels) labels.push_back({std::move(l.name), std::move(l.value)});
    store::Sample sample{promql::MakeLabels(std::move(labels)), s.timestamp_ms.value_or(now_ms),
                         s.value};
    // Checked before anything is stored: a bad body changes nothing.
    if (!store::ValidLabels(sample.labels)) {
      return absl::InvalidArgumentError(
          Cat("sample ", i + 1, ": a label value is not valid UTF-8 or holds NUL"));
    }
    samples.push_back(std::move(sample));
  }
  const store::AppendCounts counts = store.Append(samples, now);
  ImportResult result;
  result.stored = counts.appended;
  result.refused = counts.out_of_order + counts.duplicates;
  std::set<std::string> series;
  for (const store::Sample& s : samples) series.insert(promql::LabelsKey(s.labels));
  result.series = series.size();
  RETURN_IF_ERROR(store.Flush(now));
  return result;
}

}  // namespace datamesh::monitoring
