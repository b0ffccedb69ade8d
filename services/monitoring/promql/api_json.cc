#include "services/monitoring/promql/api_json.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace datamesh::monitoring::promql {
namespace {

// A JSON string literal (quotes and escapes) of `s`. A string literal's escapes in a query can
// make bytes that are not UTF-8 ("\xff"): those become U+FFFD rather than an exception.
std::string Quote(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Metric(const Labels& labels) {
  std::string out = "{";
  for (const Label& l : labels) {
    if (out.size() > 1) out += ",";
    out += Quote(l.name) + ":" + Quote(l.value);
  }
  return out + "}";
}

std::string Pair(int64_t t, const std::string& value) {
  return "[" + FormatTimestamp(t) + "," + Quote(value) + "]";
}

}  // namespace

std::string FormatSampleValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];  // the longest fixed form of a double is about 330 characters
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, end);
}

std::string FormatTimestamp(int64_t ms) {
  std::string out;
  uint64_t magnitude = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out = "-";
    magnitude = 0 - magnitude;
  }
  out += std::to_string(magnitude / 1000);
  if (const uint64_t fraction = magnitude % 1000; fraction != 0) {
    std::string digits = std::to_string(fraction);
    digits.insert(0, 3 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out;
}

std::string RenderQueryData(const QueryResult& r) {
  std::string out;
  switch (r.type) {
    case ValueType::kScalar:
      return R"({"resultType":"scalar","result":)" + Pair(r.time_ms, FormatSampleValue(r.scalar)) +
             "}";
    case ValueType::kString:
      return R"({"resultType":"string","result":)" + Pair(r.time_ms, r.string) + "}";
    case ValueType::kVector:
      for (const VectorSample& s : r.vector) {
        if (!out.empty()) out += ",";
        out += R"({"metric":)" + Metric(s.labels) + R"(,"value":)" +
               Pair(r.time_ms, FormatSampleValue(s.value)) + "}";
      }
      return R"({"resultType":"vector","result":[)" + out + "]}";
    case ValueType::kMatrix:
      for (const MatrixSeries& s : r.matrix) {
        if (!out.empty()) out += ",";
        std::string points;
        for (const SamplePoint& p : s.points) {
          if (!points.empty()) points += ",";
          points += Pair(p.t, FormatSampleValue(p.v));
        }
        out += R"({"metric":)" + Metric(s.labels) + R"(,"values":[)" + points + "]}";
      }
      return R"({"resultType":"matrix","result":[)" + out + "]}";
  }
  return "{}";
}

std::string RenderSuccessBody(const QueryResult& result) {
  return R"({"status":"success","data":)" + RenderQueryData(result) + "}";
}

}  // namespace datamesh::monitoring::promql
