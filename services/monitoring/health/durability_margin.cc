#include "services/monitoring/health/durability_margin.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace datamesh::monitoring::health {
namespace {

// A label holding a whole number, e.g. parity="2".
bool ParseCount(std::string_view text, uint32_t* out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

uint64_t Count(double value) {
  return std::isfinite(value) && value > 0 ? static_cast<uint64_t>(std::llround(value)) : 0;
}

}  // namespace

v1::DurabilityMargin DurabilityFromSeries(const promql::Vector& spare_shards,
                                          const promql::Vector& files_lost,
                                          const promql::Vector& measured_at) {
  v1::DurabilityMargin out;
  for (const promql::VectorSample& s : spare_shards) {
    uint32_t parity = 0, spare = 0;
    const std::string_view spare_label = promql::GetLabel(s.labels, "spare");
    if (!ParseCount(promql::GetLabel(s.labels, "parity"), &parity)) continue;
    if (spare_label == "lost") {
      out.set_segments_lost(out.segments_lost() + Count(s.value));
    } else if (ParseCount(spare_label, &spare)) {
      v1::DurabilityBucket* b = out.add_segments();
      b->set_parity_shards(parity);
      b->set_spare_shards(spare);
      b->set_segments(Count(s.value));
    }
  }
  if (out.segments().empty() && out.segments_lost() == 0) {
    v1::DurabilityMargin none;
    none.set_reason(
        "file-ingest has not reported the durability margin (datamesh_segments_by_spare_shards) "
        "in the last 5 minutes: no file-ingest instance scraped, or none measured yet");
    return none;
  }
  out.set_available(true);
  std::sort(out.mutable_segments()->begin(), out.mutable_segments()->end(),
            [](const v1::DurabilityBucket& a, const v1::DurabilityBucket& b) {
              if (a.parity_shards() != b.parity_shards()) {
                return a.parity_shards() < b.parity_shards();
              }
              return a.spare_shards() > b.spare_shards();
            });
  if (!files_lost.empty()) out.set_files_lost(Count(files_lost[0].value));
  if (!measured_at.empty() && std::isfinite(measured_at[0].value)) {
    const int64_t ms = std::llround(measured_at[0].value * 1000);
    out.mutable_measured_at()->set_seconds(ms / 1000);
    out.mutable_measured_at()->set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
  }
  return out;
}

void AddDurabilityCheck(const v1::DurabilityMargin& margin, v1::GetHealthResponse& out) {
  if (!margin.available()) return;
  uint64_t last_spare = 0;
  for (const v1::DurabilityBucket& b : margin.segments()) {
    if (b.spare_shards() <= 1 && b.spare_shards() < b.parity_shards()) last_spare += b.segments();
  }
  const bool lost = margin.segments_lost() > 0 || margin.files_lost() > 0;
  if (!lost && last_spare == 0) return;
  v1::HealthCheck* c = out.add_checks();
  c->set_id("DURABILITY_MARGIN");
  c->set_severity(lost ? "ERR" : "WARN");
  if (lost) {
    c->set_summary(absl::StrCat(margin.files_lost(), " files have segments with fewer than k "
                                "live shards (",
                                margin.segments_lost(), " segments)"));
    c->set_detail(absl::StrCat(
        "Their shards are on storage nodes that are down, or gone: the files cannot be read "
        "until enough of those nodes return. ",
        last_spare, " more segments are at their last spare shard."));
    c->set_remediation(
        "Do not wipe or replace any down storage node: bring every down node back with its "
        "data directory so repair can rebuild the segments from k shards; then run a scrub and "
        "a repair (POST /admin/maintenance).");
  } else {
    c->set_summary(absl::StrCat(last_spare, " segments are at their last spare shard"));
    c->set_detail(
        "They have lost all but at most one of their parity shards (nodes down, shards missing "
        "or corrupt): one more node loss leaves them no margin, two make them unreadable.");
    c->set_remediation(
        "Bring down storage nodes back; check that repair runs "
        "(datamesh_file_ingest_repair_backlog_segments) and that enough nodes in enough zones "
        "are up for it to place the rebuilt shards; add nodes if not.");
  }
}

}  // namespace datamesh::monitoring::health
