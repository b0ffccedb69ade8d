#include "services/monitoring/promql/oracle_data.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace datamesh::monitoring::promql::oracle {
namespace {

constexpr int64_t kIntervalMs = 15'000;

// A deterministic pseudo-random number in [0, 1) for (a, b).
double Noise(uint64_t a, uint64_t b) {
  uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 29;
  return static_cast<double>(x >> 11) / 9007199254740992.0;
}

std::string Value(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// Seconds with three decimals whose parse as a double, times 1000, truncates to `ms` exactly;
// moves `ms` forward by a millisecond until it does (Prometheus truncates, we round).
std::string Timestamp(int64_t& ms) {
  while (true) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000));
    double seconds = 0;
    std::from_chars(buf, buf + std::char_traits<char>::length(buf), seconds);
    if (static_cast<int64_t>(seconds * 1000) == ms) return buf;
    ++ms;
  }
}

struct Writer {
  std::string out;
  void Family(const std::string& name, const std::string& type, const std::string& help) {
    out += "# TYPE " + name + " " + type + "\n# HELP " + name + " " + help + "\n";
  }
  // One series: value_at(i, t) for every scrape i not skipped.
  void Series(const std::string& name_and_labels, uint64_t seed,
              const std::function<double(int, int64_t)>& value_at,
              const std::function<bool(int64_t)>& skip = nullptr) {
    for (int i = 0; kStartMs + i * kIntervalMs <= kEndMs; ++i) {
      int64_t t = kStartMs + i * kIntervalMs + static_cast<int64_t>(Noise(seed, i) * 40);
      if (skip && skip(t)) continue;
      const std::string ts = Timestamp(t);
      out += name_and_labels + " " + Value(value_at(i, t)) + " " + ts + "\n";
    }
  }
};

bool InGap(int64_t t) { return t >= kGapStartMs && t < kGapEndMs; }

void HttpRequests(Writer& w) {
  w.Family("http_requests", "counter", "Requests served.");
  uint64_t seed = 1;
  for (const char* instance : {"i1", "i2", "i3"}) {
    for (const char* method : {"GET", "POST"}) {
      for (const char* code : {"200", "500"}) {
        ++seed;
        const double rate = (code[0] == '2' ? 20.0 : 0.7) * (method[0] == 'G' ? 3 : 1) * seed / 5;
        // Two series restart (their counter drops to a small value) half-way through.
        const bool resets = seed == 3 || seed == 10;
        std::string labels = std::string("http_requests_total{job=\"api\",instance=\"") + instance +
                             "\",method=\"" + method + "\",code=\"" + code + "\"}";
        double total = 1000 * seed;
        w.Series(labels, seed, [&, rate, resets](int i, int64_t) {
          if (resets && i == 120) total = 3;
          total += std::floor(rate * 15 * (0.5 + Noise(seed * 7, i)));
          return total;
        });
      }
    }
  }
}

void Gauges(Writer& w) {
  w.Family("node_memory_bytes", "gauge", "Memory in use.");
  uint64_t seed = 100;
  for (const char* instance : {"i1", "i2", "i3"}) {
    ++seed;
    w.Series(std::string("node_memory_bytes{instance=\"") + instance + "\"}", seed,
             [seed](int i, int64_t) {
               return 5e8 * static_cast<double>(seed - 99) + 2e5 * i + 1e6 * std::sin(i / 9.0) +
                      std::floor(Noise(seed, i) * 4096) * 1024;
             });
  }
  // Same labels as node_memory_bytes{instance="i1"}: once the names are dropped, the two
  // collide, which both engines must refuse.
  w.Family("node_swap_bytes", "gauge", "Swap in use.");
  w.Series("node_swap_bytes{instance=\"i1\"}", ++seed,
           [](int i, int64_t) { return 1e6 + 4096.0 * (i % 17); });
  w.Family("temperature_celsius", "gauge", "Room temperature.");
  for (const char* room : {"a", "b", "c"}) {
    ++seed;
    w.Series(std::string("temperature_celsius{room=\"") + room + "\"}", seed,
             [seed](int i, int64_t) {
               return std::round((static_cast<double>(seed % 7) * 3 - 8 + 12 * std::sin(i / 30.0) +
                                  Noise(seed, i)) *
                                 100) /
                      100;
             });
  }
  w.Family("queue_depth", "gauge", "Jobs waiting.");
  for (const char* queue : {"q1", "q2"}) {
    ++seed;
    const bool gap = queue[1] == '1';
    w.Series(
        std::string("queue_depth{queue=\"") + queue + "\"}", seed,
        [seed](int i, int64_t) { return std::floor(Noise(seed, i) * 50); },
        gap ? std::function<bool(int64_t)>(InGap) : nullptr);
  }
}

void Histogram(Writer& w) {
  w.Family("request_duration_seconds", "histogram", "Request latency.");
  w.out += "# UNIT request_duration_seconds seconds\n";
  static const char* kBounds[] = {"0.05", "0.1", "0.25", "0.5", "1.0", "+Inf"};
  static const double kShare[] = {0.2, 0.45, 0.7, 0.85, 0.97, 1.0};
  uint64_t seed = 200;
  for (const char* instance : {"i1", "i2"}) {
    ++seed;
    const std::string base = std::string("job=\"api\",instance=\"") + instance + "\"";
    double count = 0, sum = 0;
    for (int i = 0; kStartMs + i * kIntervalMs <= kEndMs; ++i) {
      int64_t t = kStartMs + i * kIntervalMs + static_cast<int64_t>(Noise(seed, i) * 40);
      const std::string ts = Timestamp(t);
      const double n = std::floor(40 + 30 * Noise(seed, i));
      count += n;
      sum += n * (0.12 + 0.05 * Noise(seed + 1, i));
      for (int b = 0; b < 6; ++b) {
        // Shares drift a little with time so quantiles move.
        const double share = b == 5 ? 1 : kShare[b] * (0.9 + 0.1 * Noise(seed + b, i / 20));
        w.out += "request_duration_seconds_bucket{" + base + ",le=\"" + kBounds[b] + "\"} " +
                 Value(std::floor(count * share)) + " " + ts + "\n";
      }
      w.out += "request_duration_seconds_sum{" + base + "} " + Value(sum) + " " + ts + "\n";
      w.out += "request_duration_seconds_count{" + base + "} " + Value(count) + " " + ts + "\n";
    }
  }
}

void UpInfoAndLabels(Writer& w) {
  w.Family("up", "gauge", "Whether the target answered.");
  uint64_t seed = 300;
  for (const char* instance : {"i1", "i2", "i3"}) {
    ++seed;
    const bool gap = instance[1] == '3';
    w.Series(
        std::string("up{job=\"api\",instance=\"") + instance + "\"}", seed,
        [](int, int64_t) { return 1.0; }, gap ? std::function<bool(int64_t)>(InGap) : nullptr);
  }
  w.Family("machine_info", "gauge", "Where each machine stands.");
  for (const auto& [instance, room] : {std::pair{"i1", "a"}, {"i2", "b"}, {"i3", "b"}}) {
    ++seed;
    w.Series(std::string("machine_info{instance=\"") + instance + "\",room=\"" + room + "\"}", seed,
             [](int, int64_t) { return 1.0; });
  }
  w.Family("labeled_events", "counter", "Events with awkward label values.");
  for (const char* path : {R"(/a \"quoted\" path)", R"(C:\\dir\\file)", "/caf\xc3\xa9", "/x"}) {
    ++seed;
    w.Series(std::string("labeled_events_total{path=\"") + path + "\"}", seed,
             [seed](int i, int64_t) { return std::floor(i * (1 + Noise(seed, 0) * 5)); });
  }
}

}  // namespace

std::string GenerateOpenMetrics() {
  Writer w;
  HttpRequests(w);
  Gauges(w);
  Histogram(w);
  UpInfoAndLabels(w);
  w.out += "# EOF\n";
  return w.out;
}

}  // namespace datamesh::monitoring::promql::oracle
