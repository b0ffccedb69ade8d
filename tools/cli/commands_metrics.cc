// metrics, analytics: PromQL through the gateway's Prometheus API route, and the analytics
// report (GET /monitoring/analytics) as a summary, JSON or CSV. Figures are the server's;
// what it cannot compute yet it says, and so does this command.
#include <cmath>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "shared/status/status.h"
#include "tools/cli/commands.h"
#include "tools/cli/progress.h"

namespace datamesh::cli {
namespace {

using nlohmann::json;

// "90s", "30m", "1h", "7d": a positive duration.
absl::StatusOr<absl::Duration> ParseSpan(const std::string& flag, const std::string& text) {
  std::string go = text;
  int64_t days = 0;
  if (!go.empty() && go.back() == 'd' && absl::SimpleAtoi(go.substr(0, go.size() - 1), &days)) {
    go = absl::StrCat(days * 24, "h");
  }
  absl::Duration d;
  if (!absl::ParseDuration(go, &d) || d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " must be a positive duration such as 30m, 1h or 7d"));
  }
  return d;
}

std::string Labels(const json& metric) {
  std::string out = metric.value("__name__", "");
  std::string inner;
  for (const auto& [name, value] : metric.items()) {
    if (name == "__name__" || !value.is_string()) continue;
    absl::StrAppend(&inner, inner.empty() ? "" : ",", name, "=\"", value.get<std::string>(), "\"");
  }
  return inner.empty() ? (out.empty() ? "{}" : out) : absl::StrCat(out, "{", inner, "}");
}

// A Prometheus API answer's data, or its error ({"status":"error","error"}) as a status.
absl::StatusOr<json> PrometheusData(const HttpResponse& r) {
  const json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (r.status / 100 == 2 && body.is_object() && body.contains("data")) return body["data"];
  if (body.is_object() && body.value("status", "") == "error") {
    const std::string message = body.value("error", "query failed");
    if (r.status == 400) return absl::InvalidArgumentError(message);
    if (r.status == 422) return absl::FailedPreconditionError(message);
  }
  RETURN_IF_ERROR(CheckOk(r));
  return absl::InternalError("the Prometheus API answered without data");
}

absl::Status Metrics(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  const std::string& query = args.positionals[0];
  std::string path = "/monitoring/prometheus/api/v1/query?query=" + api.Escape(query);
  if (std::optional<std::string> range = args.Value("range")) {
    ASSIGN_OR_RETURN(absl::Duration span, ParseSpan("range", *range));
    const std::string step = args.Value("step").value_or("1m");
    RETURN_IF_ERROR(ParseSpan("step", step).status());
    const int64_t end = absl::ToUnixSeconds(absl::Now());
    path = absl::StrCat("/monitoring/prometheus/api/v1/query_range?query=", api.Escape(query),
                        "&start=", end - absl::ToInt64Seconds(span), "&end=", end,
                        "&step=", api.Escape(step));
  } else if (args.Value("step")) {
    return absl::InvalidArgumentError("--step needs --range");
  }
  ASSIGN_OR_RETURN(HttpResponse response, api.Send(path, HttpRequest{}));
  ASSIGN_OR_RETURN(json data, PrometheusData(response));
  if (ctx.global.json) return ctx.PrintJson(data);
  const std::string type = data.value("resultType", "");
  std::vector<std::vector<std::string>> rows;
  if (type == "matrix") {
    for (const json& s : data.value("result", json::array())) {
      const json values = s.value("values", json::array());
      double lo = INFINITY, hi = -INFINITY;
      std::string last;
      for (const json& p : values) {
        double v = 0;
        if (p.size() == 2 && p[1].is_string() && absl::SimpleAtod(p[1].get<std::string>(), &v)) {
          lo = std::min(lo, v), hi = std::max(hi, v);
          last = p[1].get<std::string>();
        }
      }
      rows.push_back({absl::StrCat(values.size()), absl::StrFormat("%g", lo),
                      absl::StrFormat("%g", hi), last, Labels(s.value("metric", json::object()))});
    }
    PrintTable(ctx.out, {"POINTS", "MIN", "MAX", "LAST", "SERIES"}, rows);
  } else if (type == "vector") {
    for (const json& s : data.value("result", json::array())) {
      const json value = s.value("value", json::array());
      rows.push_back({value.size() == 2 ? value[1].get<std::string>() : "",
                      Labels(s.value("metric", json::object()))});
    }
    PrintTable(ctx.out, {"VALUE", "SERIES"}, rows);
  } else {
    const json result = data.value("result", json::array());
    ctx.Print(result.size() == 2 && result[1].is_string() ? result[1].get<std::string>()
                                                          : result.dump());
  }
  return absl::OkStatus();
}

std::string Number(const json& j, const std::string& key, const char* format = "%.3g") {
  if (!j.contains(key) || !j[key].is_number()) return "-";
  return absl::StrFormat(format, j[key].get<double>());
}

void PrintReport(Context& ctx, const json& report) {
  std::vector<std::vector<std::string>> trends;
  for (const json& t : report.value("trends", json::array())) {
    trends.push_back(
        {JsonStr(t, "name"), Number(t, "meanValue"), Number(t, "slopePerDay"),
         absl::StrCat("[", Number(t, "slopeLowPerDay"), ", ", Number(t, "slopeHighPerDay"), "]"),
         JsonStr(t, "direction"), JsonStr(t, "query")});
  }
  if (!trends.empty()) {
    PrintTable(ctx.out, {"TREND", "MEAN", "PER DAY", "95% INTERVAL", "DIRECTION", "QUERY"}, trends);
  }
  std::vector<std::vector<std::string>> zones;
  for (const json& f : report.value("forecasts", json::array())) {
    const std::string full = f.contains("daysUntilFull")
                                 ? absl::StrCat(Number(f, "daysUntilFull", "%.1f"), " ± ",
                                                Number(f, "daysMargin", "%.1f"), " days")
                                 : JsonStr(f, "status");
    zones.push_back({JsonStr(f, "zone").empty() ? "(no zone)" : JsonStr(f, "zone"),
                     FormatBytes(static_cast<uint64_t>(f.value("current", 0.0))) + "/" +
                         FormatBytes(static_cast<uint64_t>(f.value("capacity", 0.0))),
                     full});
  }
  if (!zones.empty()) PrintTable(ctx.out, {"ZONE", "USED", "FULL IN"}, zones);
  for (const json& r : report.value("recommendations", json::array())) {
    ctx.Print(absl::StrCat("[", JsonStr(r, "severity"), "] ", JsonStr(r, "message")));
    for (const json& e : r.value("evidence", json::array())) {
      ctx.Print(absl::StrCat("    ", JsonStr(e, "name"), " = ", Number(e, "value", "%.6g"), " ",
                             JsonStr(e, "unit"),
                             JsonStr(e, "query").empty() ? "" : "  (" + JsonStr(e, "query") + ")"));
    }
  }
  for (const json& p : report.value("patterns", json::array())) {
    std::string line = JsonStr(p, "dimension") + ":";
    for (const json& b : p.value("buckets", json::array())) {
      absl::StrAppend(&line, " ", b.value("key", 0), "=", Number(b, "mean"));
    }
    ctx.Print(line);
  }
  for (const json& g : report.value("insufficientData", json::array())) {
    ctx.Print(
        absl::StrCat(JsonStr(g, "section"), " ", JsonStr(g, "item"), ": ", JsonStr(g, "reason")));
  }
}

absl::Status Analytics(Context& ctx, const ParsedArgs& args) {
  ASSIGN_OR_RETURN(ApiClient api, ctx.Authed());
  const std::string format = args.Value("format").value_or("json");
  if (format != "json" && format != "csv") {
    return absl::InvalidArgumentError("--format must be json or csv");
  }
  std::string path = "/monitoring/analytics?format=" + format;
  for (const char* option : {"window", "zone", "section"}) {
    if (std::optional<std::string> v = args.Value(option)) {
      absl::StrAppend(&path, "&", option, "=", api.Escape(*v));
    }
  }
  if (format == "csv") {
    ASSIGN_OR_RETURN(HttpResponse response, api.Send(path, HttpRequest{}));
    RETURN_IF_ERROR(CheckOk(response));
    std::fwrite(response.body.data(), 1, response.body.size(), ctx.out);
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(json report, api.Call("GET", path));
  if (ctx.global.json) return ctx.PrintJson(report);
  PrintReport(ctx, report);
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> MetricsCommands() {
  return {
      {"metrics", "a PromQL query over the stored metrics (admins)",
       "datamesh metrics <promql> [--range 1h [--step 1m]]\n  Evaluates the query now (a table "
       "of values), or over the last --range one point\n  per --step (points, min, max and last "
       "per series), through the Prometheus\n  API route (GET /monitoring/prometheus/api/v1/query"
       "[_range]). --json prints\n  the answer's data as Prometheus gives it.",
       CommandSpec{.value_options = {"range", "step"}, .min_positionals = 1, .max_positionals = 1},
       Metrics},
      {"analytics", "growth trends, zone forecasts, usage patterns, recommendations (admins)",
       "datamesh analytics [--window 7d] [--zone Z] [--section S] [--format json|csv]\n  The "
       "analytics report (GET /monitoring/analytics): trends with their 95 %\n  interval, when "
       "each zone fills (\"N ± M days\"), recommendations with their\n  evidence, request rate by "
       "hour and weekday, and what there is not enough\n  data for. --format csv writes the "
       "report's CSV to stdout; --json the JSON.",
       CommandSpec{.value_options = {"window", "zone", "section", "format"}, .max_positionals = 0},
       Analytics},
  };
}

}  // namespace datamesh::cli
