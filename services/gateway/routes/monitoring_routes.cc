#include "services/gateway/routes/monitoring_routes.h"

#include <google/protobuf/util/time_util.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/gateway/admin/admin_routes.h"
#include "services/gateway/http/url.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway {
namespace {

namespace mv1 = monitoring::v1;
using google::protobuf::util::TimeUtil;
using http::BodyReader;
using http::Request;
using http::ResponseWriter;
using Monitoring = mv1::MonitoringService::StubInterface;

// Imports travel in one gRPC message, whose default limit at the service is 4 MiB.
constexpr uint64_t kMaxImportBytes = 3 << 20;

// ---- /monitoring/metrics ----

// `label=name:value` parameters (repeatable).
absl::Status ParseLabels(const Request& r, google::protobuf::Map<std::string, std::string>* out) {
  for (const auto& [key, value] : r.query_params()) {
    if (key != "label") continue;
    const size_t colon = value.find(':');
    if (colon == std::string::npos || colon == 0) {
      return absl::InvalidArgumentError("label must be name:value");
    }
    (*out)[value.substr(0, colon)] = value.substr(colon + 1);
  }
  return absl::OkStatus();
}

// RFC 3339, or Unix seconds.
absl::StatusOr<google::protobuf::Timestamp> ParseTime(std::string_view name,
                                                      std::string_view text) {
  double seconds;
  if (absl::SimpleAtod(absl::string_view(text.data(), text.size()), &seconds) &&
      std::isfinite(seconds) && std::fabs(seconds) < 2.5e11) {
    return TimeUtil::MillisecondsToTimestamp(static_cast<int64_t>(std::llround(seconds * 1000)));
  }
  absl::StatusOr<absl::Time> t = ParseQueryTime(name, text);
  if (!t.ok()) return t.status();
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(*t));
}

// "60s", "5m", "1h30m", or seconds.
absl::StatusOr<google::protobuf::Duration> ParseStep(std::string_view text) {
  double seconds;
  absl::Duration d;
  if (absl::SimpleAtod(absl::string_view(text.data(), text.size()), &seconds) &&
      std::isfinite(seconds)) {
    d = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(std::string(text), &d)) {
    return absl::InvalidArgumentError("step must be a duration such as 60s or 5m, or seconds");
  }
  if (d <= absl::ZeroDuration() || d > absl::Hours(24 * 366)) {
    return absl::InvalidArgumentError("step must be positive and at most a year");
  }
  return TimeUtil::MillisecondsToDuration(absl::ToInt64Milliseconds(d));
}

absl::StatusOr<mv1::Aggregation> ParseAggregation(std::string_view text) {
  static const std::pair<const char*, mv1::Aggregation> kNames[] = {
      {"avg", mv1::AGGREGATION_AVG},   {"min", mv1::AGGREGATION_MIN},
      {"max", mv1::AGGREGATION_MAX},   {"sum", mv1::AGGREGATION_SUM},
      {"rate", mv1::AGGREGATION_RATE}, {"last", mv1::AGGREGATION_LAST}};
  for (const auto& [name, value] : kNames) {
    if (text == name) return value;
  }
  return absl::InvalidArgumentError("aggregation must be avg, min, max, sum, rate or last");
}

absl::Status ParseSeriesRequest(const Request& r, mv1::QuerySeriesRequest* req) {
  req->set_name(std::string(*r.query_param("name")));
  if (absl::Status s = ParseLabels(r, req->mutable_labels()); !s.ok()) return s;
  for (const char* bound : {"from", "to"}) {
    std::optional<std::string_view> text = r.query_param(bound);
    if (!text) continue;
    absl::StatusOr<google::protobuf::Timestamp> t = ParseTime(bound, *text);
    if (!t.ok()) return t.status();
    *(std::string_view(bound) == "from" ? req->mutable_from() : req->mutable_to()) = *t;
  }
  if (std::optional<std::string_view> step = r.query_param("step")) {
    absl::StatusOr<google::protobuf::Duration> d = ParseStep(*step);
    if (!d.ok()) return d.status();
    *req->mutable_step() = *d;
  }
  if (std::optional<std::string_view> agg = r.query_param("aggregation")) {
    absl::StatusOr<mv1::Aggregation> a = ParseAggregation(*agg);
    if (!a.ok()) return a.status();
    req->set_aggregation(*a);
  }
  if (std::optional<std::string_view> group = r.query_param("groupBy")) {
    for (absl::string_view g :
         absl::StrSplit(absl::string_view(group->data(), group->size()), ',', absl::SkipEmpty())) {
      req->add_group_by(std::string(g));
    }
  }
  return absl::OkStatus();
}

void GetMetrics(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                ResponseWriter& w) {
  if (r.query_param("name")) {
    mv1::QuerySeriesRequest req;
    if (absl::Status s = ParseSeriesRequest(r, &req); !s.ok()) return WriteApiError(w, s);
    Forward(ctx, r, w, client.stub(), &Monitoring::QuerySeries, req);
    return;
  }
  mv1::GetMetricsRequest req;
  req.set_name_prefix(std::string(r.query_param("prefix").value_or("")));
  if (absl::Status s = ParseLabels(r, req.mutable_labels()); !s.ok()) return WriteApiError(w, s);
  Forward(ctx, r, w, client.stub(), &Monitoring::GetMetrics, req);
}

void Import(const ApiContext& ctx, MonitoringClient& client, const Request& r, BodyReader& body,
            ResponseWriter& w) {
  mv1::ImportSamplesRequest req;
  if (absl::Status s = ReadBody(body, kMaxImportBytes, req.mutable_text()); !s.ok()) {
    return WriteApiError(w, s);
  }
  req.set_content_type(std::string(r.header("Content-Type").value_or("")));
  Forward(ctx, r, w, client.stub(), &Monitoring::ImportSamples, req);
}

// ---- /monitoring/alerts, /monitoring/rules and /monitoring/health ----

void GetAlerts(const ApiContext& ctx, MonitoringClient& client, const Request& r,
               ResponseWriter& w) {
  mv1::ListAlertsRequest req;
  req.set_state(std::string(r.query_param("state").value_or("")));
  Forward(ctx, r, w, client.stub(), &Monitoring::ListAlerts, req);
}

void GetHealth(const ApiContext& ctx, MonitoringClient& client, const Request& r,
               ResponseWriter& w) {
  mv1::GetHealthRequest req;
  Forward(ctx, r, w, client.stub(), &Monitoring::GetHealth, req);
}

void GetRules(const ApiContext& ctx, MonitoringClient& client, const Request& r,
              ResponseWriter& w) {
  mv1::ListRuleGroupsRequest req;
  Forward(ctx, r, w, client.stub(), &Monitoring::ListRuleGroups, req);
}

// ---- /monitoring/analytics ----

// "7d", "36h", "90m" (Go durations, plus whole days), or seconds.
absl::StatusOr<google::protobuf::Duration> ParseWindow(std::string_view text) {
  std::string go(text);
  int64_t days = 0;
  if (!go.empty() && go.back() == 'd' &&
      absl::SimpleAtoi(absl::string_view(go.data(), go.size() - 1), &days)) {
    go = absl::StrCat(days * 24, "h");
  }
  double seconds;
  absl::Duration d;
  if (absl::SimpleAtod(go, &seconds) && std::isfinite(seconds)) {
    d = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(go, &d)) {
    return absl::InvalidArgumentError("window must be a duration such as 7d, 36h or 90m");
  }
  if (d < absl::Hours(1) || d > absl::Hours(24 * 90)) {
    return absl::InvalidArgumentError("window must be between 1h and 90 days");
  }
  return TimeUtil::MillisecondsToDuration(absl::ToInt64Milliseconds(d));
}

// JSON (the response message) or, with format=csv, the report's CSV as a download.
void GetAnalytics(const ApiContext& ctx, MonitoringClient& client, const Request& r,
                  ResponseWriter& w) {
  mv1::GetAnalyticsRequest req;
  if (std::optional<std::string_view> window = r.query_param("window")) {
    absl::StatusOr<google::protobuf::Duration> d = ParseWindow(*window);
    if (!d.ok()) return WriteApiError(w, d.status());
    *req.mutable_window() = *d;
  }
  req.set_zone(std::string(r.query_param("zone").value_or("")));
  req.set_section(std::string(r.query_param("section").value_or("")));
  req.set_format(std::string(r.query_param("format").value_or("json")));
  mv1::GetAnalyticsResponse resp;
  if (!Unary(ctx, r, w, [&](auto& c) { return client.stub().GetAnalytics(&c, req, &resp); })) {
    return;
  }
  if (req.format() != "csv") return WriteJson(w, 200, resp);
  const std::string name =
      absl::StrCat("datamesh-analytics-", req.section().empty() ? "report" : req.section(), ".csv");
  w.SetHeader("Content-Disposition", absl::StrCat("attachment; filename=\"", name, "\""));
  (void)w.WriteWhole(resp.csv(), "text/csv; charset=utf-8");
}

// ---- the Prometheus HTTP API ----

// Go's encoding/json escapes, as Prometheus' answers carry them.
std::string GoJson(const std::string& s) {
  std::string json =
      nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  for (char c : json) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

// Prometheus' error answer for a status of the monitoring service (or of the call to it).
void WritePrometheusError(ResponseWriter& w, const absl::Status& s) {
  int http = 500;
  const char* type = "internal";
  std::string message = "internal error";
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument: http = 400, type = "bad_data"; break;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted: http = 422, type = "execution"; break;
    case absl::StatusCode::kDeadlineExceeded:
      http = 503, type = "timeout", message = "query timed out";
      break;
    case absl::StatusCode::kCancelled:
      http = 499, type = "canceled", message = "query canceled";
      break;
    case absl::StatusCode::kUnavailable:
      http = 503, type = "unavailable", message = "the monitoring service is unavailable";
      break;
    case absl::StatusCode::kUnimplemented:
      http = 501, type = "unavailable", message = "the monitoring service does not serve this yet";
      break;
    default: break;
  }
  if (http < 500) message = std::string(s.message());
  w.SetStatus(http);
  (void)w.WriteWhole(absl::StrCat(R"({"status":"error","errorType":")", type, R"(","error":)",
                                  GoJson(message), "}"),
                     "application/json");
}

// Go's Request.Form: the parameters of a form body first, then those of the query string.
absl::Status CollectParams(const ApiContext& ctx, const Request& r, BodyReader& body,
                           mv1::QueryPrometheusRequest* req) {
  const std::string type =
      absl::AsciiStrToLower(std::string(r.header("Content-Type").value_or("")));
  if (r.method() == "POST" && absl::StartsWith(type, "application/x-www-form-urlencoded")) {
    std::string text;
    if (absl::Status s = ReadBody(body, ctx.json.max_bytes, &text); !s.ok()) return s;
    absl::StatusOr<http::HeaderList> form = http::ParseQuery(text);
    if (!form.ok()) return form.status();
    for (auto& [k, v] : *form) {
      mv1::PrometheusParam* p = req->add_params();
      p->set_name(std::move(k));
      p->set_value(std::move(v));
    }
  }
  for (const auto& [k, v] : r.query_params()) {
    mv1::PrometheusParam* p = req->add_params();
    p->set_name(k);
    p->set_value(v);
  }
  return absl::OkStatus();
}

void Prometheus(const ApiContext& ctx, MonitoringClient& client, mv1::PrometheusEndpoint endpoint,
                const Request& r, BodyReader& body, ResponseWriter& w) {
  mv1::QueryPrometheusRequest req;
  req.set_endpoint(endpoint);
  req.set_label_name(std::string(r.path_param("name").value_or("")));
  if (absl::Status s = CollectParams(ctx, r, body, &req); !s.ok()) {
    // A body too large or not decodable is the edge's refusal, in the API's shape.
    if (s.code() != absl::StatusCode::kInvalidArgument) return WriteApiError(w, s);
    return WritePrometheusError(w, s);
  }
  mv1::QueryPrometheusResponse resp;
  grpc::ClientContext context;
  PrepareContext(context, r.request_id(), ctx.rpc_timeout);
  grpc::Status rpc = client.stub().QueryPrometheus(&context, req, &resp);
  if (!rpc.ok()) {
    return WritePrometheusError(
        w, absl::Status(static_cast<absl::StatusCode>(rpc.error_code()), rpc.error_message()));
  }
  (void)w.WriteWhole(absl::StrCat(R"({"status":"success","data":)", resp.data_json(), "}"),
                     "application/json");
}

}  // namespace

MonitoringClient::MonitoringClient(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  stub_ = mv1::MonitoringService::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

void AddMonitoringRoutes(http::Router& router, const ApiContext& ctx, MonitoringClient& client) {
  AddAlertNotifyRoutes(router, ctx, client);
  AddAlertRuleRoutes(router, ctx, client);
  router.Handle("GET", "/api/v1/monitoring/metrics",
                MonitoringAdminRoute(ctx, client, GetMetrics));
  router.Handle("POST", "/api/v1/monitoring/import",
                MonitoringAdminRoute(ctx, client, Import),
                http::RouteOptions{.body_limit = kMaxImportBytes});
  router.Handle("GET", "/api/v1/monitoring/alerts",
                MonitoringAdminRoute(ctx, client, GetAlerts));
  router.Handle("GET", "/api/v1/monitoring/health",
                MonitoringAdminRoute(ctx, client, GetHealth));
  router.Handle("GET", "/api/v1/monitoring/analytics",
                MonitoringAdminRoute(ctx, client, GetAnalytics));
  router.Handle("GET", "/api/v1/monitoring/rules",
                MonitoringAdminRoute(ctx, client, GetRules));
  const std::pair<const char*, mv1::PrometheusEndpoint> kEndpoints[] = {
      {"query", mv1::PROMETHEUS_ENDPOINT_QUERY},
      {"query_range", mv1::PROMETHEUS_ENDPOINT_QUERY_RANGE},
      {"series", mv1::PROMETHEUS_ENDPOINT_SERIES},
      {"labels", mv1::PROMETHEUS_ENDPOINT_LABELS},
      {"label/{name}/values", mv1::PROMETHEUS_ENDPOINT_LABEL_VALUES},
      {"rules", mv1::PROMETHEUS_ENDPOINT_RULES},
      {"alerts", mv1::PROMETHEUS_ENDPOINT_ALERTS}};
  for (const auto& [path, endpoint] : kEndpoints) {
    http::Handler handler = Authed(
        ctx,
        [&ctx, &client, endpoint = endpoint](const Caller&, const Request& r, BodyReader& b,
                                             ResponseWriter& w) {
          Prometheus(ctx, client, endpoint, r, b, w);
        },
        Access::kAdmin);
    const std::string pattern = absl::StrCat("/api/v1/monitoring/prometheus/api/v1/", path);
    router.Handle("GET", pattern, handler);
    // Prometheus takes form bodies on the query endpoints only.
    if (endpoint != mv1::PROMETHEUS_ENDPOINT_LABEL_VALUES &&
        endpoint != mv1::PROMETHEUS_ENDPOINT_RULES && endpoint != mv1::PROMETHEUS_ENDPOINT_ALERTS) {
      router.Handle("POST", pattern, handler, http::RouteOptions{.body_limit = ctx.json.max_bytes});
    }
  }
}

}  // namespace datamesh::gateway
