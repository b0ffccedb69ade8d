#include "services/monitoring/analytics/report_builder.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "services/monitoring/promql/engine.h"
#include "shared/status/status.h"

namespace datamesh::monitoring::analytics {
namespace {

constexpr char kUsed[] = "datamesh_chunk_store_used_bytes";
constexpr char kCapacity[] = "datamesh_chunk_store_capacity_bytes";
constexpr char kTransferred[] = "datamesh_file_ingest_transferred_bytes_total";
constexpr char kRequests[] = "datamesh_grpc_server_handled_total";

// "840s": PromQL's duration syntax.
std::string PromDuration(absl::Duration d) { return absl::StrCat(absl::ToInt64Seconds(d), "s"); }

class Queries {
 public:
  Queries(const promql::SeriesSource& source, const ReportRequest& request, absl::Duration step)
      : engine_(source),
        start_ms_(absl::ToUnixMillis(request.now - request.window)),
        end_ms_(absl::ToUnixMillis(request.now)),
        step_ms_(absl::ToInt64Milliseconds(step)) {}

  absl::StatusOr<promql::Matrix> Range(const std::string& query) const {
    ASSIGN_OR_RETURN(promql::QueryResult r,
                     engine_.RangeQuery(query, start_ms_, end_ms_, step_ms_));
    return std::move(r.matrix);
  }

  // The points of a query whose answer is one series (a sum without grouping), none if empty.
  absl::StatusOr<std::vector<promql::SamplePoint>> Points(const std::string& query) const {
    ASSIGN_OR_RETURN(promql::Matrix m, Range(query));
    if (m.empty()) return std::vector<promql::SamplePoint>{};
    return std::move(m.front().points);
  }

 private:
  const promql::Engine engine_;
  const int64_t start_ms_, end_ms_, step_ms_;
};

std::string ZoneOfSeries(const promql::Labels& labels, const ZoneOf& zone_of) {
  const std::string_view label = promql::GetLabel(labels, "zone");
  if (!label.empty()) return std::string(label);
  return zone_of ? zone_of(std::string(promql::GetLabel(labels, "instance"))) : "";
}

absl::Status AddTrends(const Queries& q, absl::Duration rate_range, Report& report) {
  const std::string r = PromDuration(rate_range);
  const struct {
    const char* name;
    const char* metric;
    std::string query;
    const char* unit;
  } kTrends[] = {
      {"storage", kUsed, absl::StrCat("sum(", kUsed, ")"), "bytes"},
      {"bandwidth", kTransferred, absl::StrCat("sum(rate(", kTransferred, "[", r, "]))"),
       "bytes/s"},
      {"requests", kRequests, absl::StrCat("sum(rate(", kRequests, "[", r, "]))"), "requests/s"}};
  for (const auto& t : kTrends) {
    ASSIGN_OR_RETURN(std::vector<promql::SamplePoint> points, q.Points(t.query));
    std::variant<Trend, Gap> v = ComputeTrend(t.name, t.query, t.unit, points);
    if (auto* trend = std::get_if<Trend>(&v)) {
      trend->metric = t.metric;
      report.trends.push_back(std::move(*trend));
    } else {
      report.gaps.push_back(std::get<Gap>(std::move(v)));
    }
  }
  return absl::OkStatus();
}

// Every zone's forecast (the zone filter is applied by the caller: rebalancing compares all).
absl::Status AddForecasts(const Queries& q, const ZoneOf& zone_of,
                          std::vector<ZoneForecast>& forecasts, std::vector<Gap>& gaps) {
  const std::string used_query = absl::StrCat("sum by (zone, instance) (", kUsed, ")");
  const std::string capacity_query = absl::StrCat("sum by (zone, instance) (", kCapacity, ")");
  ASSIGN_OR_RETURN(promql::Matrix used, q.Range(used_query));
  ASSIGN_OR_RETURN(promql::Matrix capacity, q.Range(capacity_query));
  // Used bytes per zone and step: the sum over the zone's instances present at that step.
  std::map<std::string, std::map<int64_t, double>> used_by_zone;
  for (const promql::MatrixSeries& s : used) {
    auto& steps = used_by_zone[ZoneOfSeries(s.labels, zone_of)];
    for (const promql::SamplePoint& p : s.points) steps[p.t] += p.v;
  }
  // Capacity now: the instances present at the last step any capacity was seen.
  int64_t last = INT64_MIN;
  for (const promql::MatrixSeries& s : capacity) {
    if (!s.points.empty()) last = std::max(last, s.points.back().t);
  }
  std::map<std::string, double> capacity_by_zone;
  for (const promql::MatrixSeries& s : capacity) {
    if (!s.points.empty() && s.points.back().t == last) {
      capacity_by_zone[ZoneOfSeries(s.labels, zone_of)] += s.points.back().v;
    }
  }
  const std::string query = absl::StrCat(used_query, " / ", capacity_query);
  for (const auto& [zone, steps] : used_by_zone) {
    std::vector<promql::SamplePoint> points;
    for (const auto& [t, v] : steps) points.push_back({t, v});
    std::variant<ZoneForecast, Gap> f = ForecastZone(zone, query, points, capacity_by_zone[zone]);
    if (auto* forecast = std::get_if<ZoneForecast>(&f)) {
      forecasts.push_back(std::move(*forecast));
    } else {
      gaps.push_back(std::get<Gap>(std::move(f)));
    }
  }
  if (used_by_zone.empty()) {
    gaps.push_back({"forecasts", "zones",
                    absl::StrCat("not enough data (no ", kUsed, " samples in the window)")});
  }
  return absl::OkStatus();
}

absl::Status AddPatterns(const Queries& q, absl::Duration rate_range, Report& report) {
  const std::string query =
      absl::StrCat("sum(rate(", kRequests, "[", PromDuration(rate_range), "]))");
  ASSIGN_OR_RETURN(std::vector<promql::SamplePoint> points, q.Points(query));
  for (auto v : {HourOfDayPattern(query, points), WeekdayPattern(query, points)}) {
    if (auto* p = std::get_if<UsagePattern>(&v)) {
      report.patterns.push_back(std::move(*p));
    } else {
      report.gaps.push_back(std::get<Gap>(std::move(v)));
    }
  }
  return absl::OkStatus();
}

bool Wants(const ReportRequest& r, std::string_view section) {
  return r.section.empty() || r.section == section;
}

}  // namespace

absl::Duration StepFor(absl::Duration window) {
  return std::max(absl::Minutes(1), absl::Trunc(window / 720, absl::Seconds(1)));
}

absl::StatusOr<Report> BuildReport(const promql::SeriesSource& source, const ZoneOf& zone_of,
                                   const ReportRequest& request) {
  if (request.window < absl::Hours(1) || request.window > absl::Hours(24 * 90)) {
    return absl::InvalidArgumentError("window must be between 1h and 90 days");
  }
  if (!request.section.empty() && request.section != "trends" && request.section != "forecasts" &&
      request.section != "patterns" && request.section != "recommendations") {
    return absl::InvalidArgumentError(
        "section must be trends, forecasts, patterns or recommendations");
  }
  Report report;
  report.generated_at = request.now;
  report.window = request.window;
  report.step = StepFor(request.window);
  const absl::Duration rate_range = std::max(absl::Minutes(5), 2 * report.step);
  const Queries q(source, request, report.step);
  if (Wants(request, "trends")) RETURN_IF_ERROR(AddTrends(q, rate_range, report));
  if (Wants(request, "forecasts") || Wants(request, "recommendations")) {
    std::vector<ZoneForecast> all;
    std::vector<Gap> gaps;
    RETURN_IF_ERROR(AddForecasts(q, zone_of, all, gaps));
    auto in_zone = [&](const std::string& zone) {
      return request.zone.empty() || zone == request.zone;
    };
    // Forecasts first, then recommendations: the report lists gaps in that order.
    if (Wants(request, "forecasts")) {
      for (const ZoneForecast& f : all) {
        if (in_zone(f.zone)) report.forecasts.push_back(f);
      }
      bool zone_gap = false;
      for (Gap& g : gaps) {
        if (request.zone.empty() || g.item == request.zone || g.item == "zones") {
          zone_gap = true;
          report.gaps.push_back(std::move(g));
        }
      }
      if (!request.zone.empty() && report.forecasts.empty() && !zone_gap) {
        report.gaps.push_back(
            {"forecasts", request.zone, "no storage series in this zone in the window"});
      }
    }
    if (Wants(request, "recommendations")) {
      for (Recommendation& r : Recommend(all)) {
        if (in_zone(r.zone)) report.recommendations.push_back(std::move(r));
      }
      report.gaps.push_back({"recommendations", "raise_tier_limit",
                             "not evaluated: quota exports no per-user usage metric"});
    }
  }
  if (Wants(request, "patterns")) RETURN_IF_ERROR(AddPatterns(q, rate_range, report));
  return report;
}

}  // namespace datamesh::monitoring::analytics
