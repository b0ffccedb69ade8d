#include "services/monitoring/scrape/scrape_samples.h"

#include <algorithm>
#include <cstring>

namespace datamesh::monitoring::scrape {
namespace {

promql::Labels WithTargetLabels(const std::string& name, const exposition::Labels& scraped,
                                const Target& target) {
  std::vector<promql::Label> labels;
  labels.reserve(scraped.size() + 3);
  labels.push_back({std::string(promql::kMetricNameLabel), name});
  for (const exposition::Label& l : scraped) {
    if (l.name == "service" || l.name == "instance") {
      const std::string& ours = l.name == "service" ? target.service : target.instance_id;
      // The services' own gRPC metrics carry service="<name>": the same value is kept once.
      if (l.value != ours) labels.push_back({"exported_" + l.name, l.value});
      continue;
    }
    labels.push_back({l.name, l.value});
  }
  labels.push_back({"service", target.service});
  labels.push_back({"instance", target.instance_id});
  promql::Labels out = promql::MakeLabels(std::move(labels));
  // A target exposing both exported_service and a conflicting service would repeat a name:
  // the first (sorted) value wins.
  out.erase(
      std::unique(out.begin(), out.end(),
                  [](const promql::Label& a, const promql::Label& b) { return a.name == b.name; }),
      out.end());
  return out;
}

promql::Labels ReportLabels(const char* name, const Target& target) {
  return promql::MakeLabels({{std::string(promql::kMetricNameLabel), name},
                             {"service", target.service},
                             {"instance", target.instance_id}});
}

constexpr const char* kReportNames[] = {"up", "scrape_duration_seconds", "scrape_samples_scraped"};

}  // namespace

double StaleMarker() {
  const uint64_t bits = 0x7ff0000000000002ull;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::vector<store::Sample> TargetSamples(const exposition::Exposition& exposition,
                                         const Target& target, int64_t t_ms) {
  std::vector<store::Sample> out;
  out.reserve(exposition.samples.size());
  for (const exposition::Sample& s : exposition.samples) {
    out.push_back(store::Sample{WithTargetLabels(s.name, s.labels, target),
                                s.timestamp_ms.value_or(t_ms), s.value});
  }
  return out;
}

std::vector<store::Sample> ReportSamples(const Target& target, const ScrapeReport& report,
                                         int64_t t_ms) {
  return {
      {ReportLabels(kReportNames[0], target), t_ms, report.up ? 1.0 : 0.0},
      {ReportLabels(kReportNames[1], target), t_ms, report.duration_seconds},
      {ReportLabels(kReportNames[2], target), t_ms, static_cast<double>(report.samples_scraped)},
  };
}

std::vector<store::Sample> StalenessTracker::Update(const Target& target,
                                                    const std::vector<store::Sample>& samples,
                                                    int64_t t_ms) {
  std::map<std::string, promql::Labels> now;
  for (const store::Sample& s : samples) now.emplace(promql::LabelsKey(s.labels), s.labels);
  std::vector<store::Sample> markers;
  std::map<std::string, promql::Labels>& before = series_[target.key()];
  for (auto& [key, labels] : before) {
    if (now.count(key) == 0) markers.push_back({std::move(labels), t_ms, StaleMarker()});
  }
  before = std::move(now);
  return markers;
}

std::vector<store::Sample> StalenessTracker::Drop(const Target& target, int64_t t_ms) {
  std::vector<store::Sample> markers = Update(target, {}, t_ms);
  for (const char* name : kReportNames) {
    markers.push_back({ReportLabels(name, target), t_ms, StaleMarker()});
  }
  series_.erase(target.key());
  return markers;
}

void StalenessTracker::Forget(const Target& target) { series_.erase(target.key()); }

}  // namespace datamesh::monitoring::scrape
