#include "services/monitoring/analytics/report_proto.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace datamesh::monitoring::analytics {
namespace {

namespace v1 = monitoring::v1;
using google::protobuf::util::TimeUtil;

google::protobuf::Duration ToDuration(absl::Duration d) {
  return TimeUtil::MillisecondsToDuration(absl::ToInt64Milliseconds(d));
}

void AddTrend(const Trend& t, absl::Duration step, v1::Trend* out) {
  out->set_name(t.name);
  out->set_metric(t.metric);
  out->set_query(t.query);
  out->set_start_value(t.start_value);
  out->set_end_value(t.end_value);
  out->set_mean_value(t.mean_value);
  out->set_change_percent(t.change_percent);
  out->set_slope_per_day(t.slope_per_day);
  out->set_slope_low_per_day(t.slope_low_per_day);
  out->set_slope_high_per_day(t.slope_high_per_day);
  out->set_confidence_level(kConfidenceLevel);
  out->set_points(static_cast<uint32_t>(t.points));
  *out->mutable_step() = ToDuration(step);
  out->set_direction(t.direction);
}

void AddForecast(const ZoneForecast& f, v1::Forecast* out) {
  out->set_resource("zone_storage");
  out->set_zone(f.zone);
  (*out->mutable_labels())["zone"] = f.zone;
  out->set_current(f.used);
  out->set_capacity(f.capacity);
  out->set_confidence(f.r_squared);
  out->set_status(f.status);
  out->set_slope_per_day(f.slope_per_day);
  out->set_slope_low_per_day(f.slope_low_per_day);
  out->set_slope_high_per_day(f.slope_high_per_day);
  out->set_query(f.query);
  if (f.days_until_full) out->set_days_until_full(*f.days_until_full);
  if (f.days_margin) out->set_days_margin(*f.days_margin);
  if (f.days_min) out->set_days_min(*f.days_min);
  if (f.days_max) out->set_days_max(*f.days_max);
}

// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
std::string Field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Number(double v) { return absl::StrFormat("%.17g", v); }

class Csv {
 public:
  void Row(std::string_view section, std::string_view item, std::string_view figure,
           std::string value, std::string_view unit, std::string_view query,
           std::string_view note) {
    absl::StrAppend(&text_, Field(section), ",", Field(item), ",", Field(figure), ",", Field(value),
                    ",", Field(unit), ",", Field(query), ",", Field(note), "\r\n");
  }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_ = "section,item,figure,value,unit,query,note\r\n";
};

void TrendRows(const v1::Trend& t, Csv& csv) {
  const std::string unit = t.name() == "storage"     ? "bytes"
                           : t.name() == "bandwidth" ? "bytes/s"
                                                     : "requests/s";
  const std::string per_day = unit + "/day";
  const std::pair<const char*, std::pair<double, std::string>> figures[] = {
      {"start_value", {t.start_value(), unit}},
      {"end_value", {t.end_value(), unit}},
      {"mean_value", {t.mean_value(), unit}},
      {"change_percent", {t.change_percent(), "percent"}},
      {"slope_per_day", {t.slope_per_day(), per_day}},
      {"slope_low_per_day", {t.slope_low_per_day(), per_day}},
      {"slope_high_per_day", {t.slope_high_per_day(), per_day}},
      {"confidence_level", {t.confidence_level(), "ratio"}},
      {"points", {t.points(), "points"}}};
  for (const auto& [name, vu] : figures) {
    csv.Row("trends", t.name(), name, Number(vu.first), vu.second, t.query(), "");
  }
  csv.Row("trends", t.name(), "direction", "", "", t.query(), t.direction());
}

void ForecastRows(const v1::Forecast& f, Csv& csv) {
  csv.Row("forecasts", f.zone(), "status", "", "", f.query(), f.status());
  csv.Row("forecasts", f.zone(), "used", Number(f.current()), "bytes", f.query(), "");
  csv.Row("forecasts", f.zone(), "capacity", Number(f.capacity()), "bytes", f.query(), "");
  csv.Row("forecasts", f.zone(), "slope_per_day", Number(f.slope_per_day()), "bytes/day", f.query(),
          "");
  csv.Row("forecasts", f.zone(), "slope_low_per_day", Number(f.slope_low_per_day()), "bytes/day",
          f.query(), "");
  csv.Row("forecasts", f.zone(), "slope_high_per_day", Number(f.slope_high_per_day()), "bytes/day",
          f.query(), "");
  if (f.has_days_until_full()) {
    csv.Row("forecasts", f.zone(), "days_until_full", Number(f.days_until_full()), "days",
            f.query(), "");
    csv.Row("forecasts", f.zone(), "days_margin", Number(f.days_margin()), "days", f.query(), "");
    csv.Row("forecasts", f.zone(), "days_min", Number(f.days_min()), "days", f.query(), "");
    csv.Row("forecasts", f.zone(), "days_max", Number(f.days_max()), "days", f.query(), "");
  }
}

}  // namespace

v1::GetAnalyticsResponse ReportToProto(const Report& report) {
  v1::GetAnalyticsResponse out;
  for (const Trend& t : report.trends) AddTrend(t, report.step, out.add_trends());
  for (const ZoneForecast& f : report.forecasts) AddForecast(f, out.add_forecasts());
  for (const Recommendation& r : report.recommendations) {
    v1::Recommendation* pr = out.add_recommendations();
    pr->set_severity(r.severity);
    pr->set_message(r.message);
    pr->set_kind(r.kind);
    pr->set_zone(r.zone);
    for (const Evidence& e : r.evidence) {
      v1::Evidence* pe = pr->add_evidence();
      pe->set_name(e.name);
      pe->set_value(e.value);
      pe->set_unit(e.unit);
      pe->set_query(e.query);
    }
  }
  for (const UsagePattern& p : report.patterns) {
    v1::UsagePattern* pp = out.add_patterns();
    pp->set_dimension(p.dimension);
    pp->set_query(p.query);
    for (const PatternBucket& b : p.buckets) {
      v1::UsageBucket* pb = pp->add_buckets();
      pb->set_key(b.key);
      pb->set_mean(b.mean);
      pb->set_samples(static_cast<uint32_t>(b.samples));
    }
  }
  for (const Gap& g : report.gaps) {
    v1::InsufficientData* pg = out.add_insufficient_data();
    pg->set_section(g.section);
    pg->set_item(g.item);
    pg->set_reason(g.reason);
  }
  *out.mutable_window() = ToDuration(report.window);
  *out.mutable_generated_at() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(report.generated_at));
  return out;
}

std::string ReportCsv(const v1::GetAnalyticsResponse& report) {
  Csv csv;
  for (const v1::Trend& t : report.trends()) TrendRows(t, csv);
  for (const v1::Forecast& f : report.forecasts()) ForecastRows(f, csv);
  for (const v1::UsagePattern& p : report.patterns()) {
    for (const v1::UsageBucket& b : p.buckets()) {
      csv.Row("patterns", p.dimension(), absl::StrCat(b.key()), Number(b.mean()), "requests/s",
              p.query(), absl::StrCat("samples=", b.samples()));
    }
  }
  for (const v1::Recommendation& r : report.recommendations()) {
    const std::string item = r.zone().empty() ? r.kind() : absl::StrCat(r.kind(), " ", r.zone());
    for (const v1::Evidence& e : r.evidence()) {
      csv.Row("recommendations", item, e.name(), Number(e.value()), e.unit(), e.query(),
              r.message());
    }
  }
  for (const v1::InsufficientData& g : report.insufficient_data()) {
    csv.Row(g.section(), g.item(), "not_enough_data", "", "", "", g.reason());
  }
  return csv.Take();
}

absl::StatusOr<v1::GetAnalyticsResponse> AnswerAnalytics(const promql::SeriesSource& source,
                                                         const ZoneOf& zone_of,
                                                         const v1::GetAnalyticsRequest& request,
                                                         absl::Time now) {
  if (!request.format().empty() && request.format() != "json" && request.format() != "csv") {
    return absl::InvalidArgumentError("format must be json or csv");
  }
  ReportRequest r;
  r.now = now;
  if (request.has_window()) {
    r.window = absl::Milliseconds(TimeUtil::DurationToMilliseconds(request.window()));
  }
  r.zone = request.zone();
  r.section = request.section();
  absl::StatusOr<Report> report = BuildReport(source, zone_of, r);
  if (!report.ok()) return report.status();
  v1::GetAnalyticsResponse out = ReportToProto(*report);
  if (request.format() == "csv") out.set_csv(ReportCsv(out));
  return out;
}

}  // namespace datamesh::monitoring::analytics
