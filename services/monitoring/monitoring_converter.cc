#include "services/monitoring/monitoring_converter.h"

#include <google/protobuf/util/time_util.h>

namespace datamesh::monitoring {
namespace {

using google::protobuf::util::TimeUtil;

void ToMap(const promql::Labels& labels, google::protobuf::Map<std::string, std::string>* out) {
  for (const promql::Label& l : labels) {
    if (l.name != promql::kMetricNameLabel) (*out)[l.name] = l.value;
  }
}

// The range google.protobuf.Timestamp documents (years 1 to 9999).
bool ValidTimestamp(const google::protobuf::Timestamp& t) {
  return t.seconds() >= -62'135'596'800 && t.seconds() <= 253'402'300'799 && t.nanos() >= 0 &&
         t.nanos() <= 999'999'999;
}

absl::StatusOr<StepAggregation> Aggregation(v1::Aggregation a, const std::string& name) {
  switch (a) {
    case v1::AGGREGATION_UNSPECIFIED: return DefaultAggregation(name);
    case v1::AGGREGATION_AVG: return StepAggregation::kAvg;
    case v1::AGGREGATION_MIN: return StepAggregation::kMin;
    case v1::AGGREGATION_MAX: return StepAggregation::kMax;
    case v1::AGGREGATION_SUM: return StepAggregation::kSum;
    case v1::AGGREGATION_RATE: return StepAggregation::kRate;
    case v1::AGGREGATION_LAST: return StepAggregation::kLast;
    default: return absl::InvalidArgumentError("unknown aggregation");
  }
}

}  // namespace

void ToProto(const promql::Vector& latest, v1::GetMetricsResponse* out) {
  for (const promql::VectorSample& s : latest) {
    v1::Metric* m = out->add_metrics();
    m->set_name(std::string(promql::GetLabel(s.labels, promql::kMetricNameLabel)));
    ToMap(s.labels, m->mutable_labels());
    m->set_value(s.value);
  }
}

absl::StatusOr<StepQuery> FromProto(const v1::QuerySeriesRequest& r, absl::Time now) {
  StepQuery q;
  q.name = r.name();
  q.labels.insert(r.labels().begin(), r.labels().end());
  if ((r.has_from() && !ValidTimestamp(r.from())) || (r.has_to() && !ValidTimestamp(r.to()))) {
    return absl::InvalidArgumentError("from and to must be valid timestamps");
  }
  q.to_ms = r.has_to() ? TimeUtil::TimestampToMilliseconds(r.to()) : absl::ToUnixMillis(now);
  q.from_ms = r.has_from() ? TimeUtil::TimestampToMilliseconds(r.from()) : q.to_ms - 3'600'000;
  q.step_ms =
      r.has_step() ? TimeUtil::DurationToMilliseconds(r.step()) : DefaultStepMs(q.from_ms, q.to_ms);
  absl::StatusOr<StepAggregation> aggregation = Aggregation(r.aggregation(), q.name);
  if (!aggregation.ok()) return aggregation.status();
  q.aggregation = *aggregation;
  q.group_by.assign(r.group_by().begin(), r.group_by().end());
  return q;
}

void ToProto(const promql::Matrix& series, v1::QuerySeriesResponse* out) {
  for (const promql::MatrixSeries& s : series) {
    v1::Series* o = out->add_series();
    ToMap(s.labels, o->mutable_labels());
    for (const promql::SamplePoint& p : s.points) {
      google::protobuf::ListValue* point = o->add_points();
      point->add_values()->set_number_value(static_cast<double>(p.t) / 1000.0);
      point->add_values()->set_number_value(p.v);
    }
  }
}

ApiParams FromProto(const v1::QueryPrometheusRequest& request) {
  ApiParams params;
  params.reserve(request.params_size());
  for (const v1::PrometheusParam& p : request.params()) params.emplace_back(p.name(), p.value());
  return params;
}

}  // namespace datamesh::monitoring
