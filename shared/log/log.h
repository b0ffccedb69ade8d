// Structured logging: one JSON object per line on stderr, so a log collector (or `jq`) reads
// every service the same way:
//   {"ts":"2026-01-02T03:04:05.678Z","level":"info","service":"auth","instance":"a1b2",
//    "msg":"listening","request_id":"...","addr":"0.0.0.0:7001"}
//
// The process has one sink, configured once by the service bootstrap (Configure); before that,
// lines go to stderr with service "unknown". Thread-safe: each line is written with a single
// write() under a mutex, so lines of concurrent threads never interleave.
//
// The request id of the work the current thread does is kept in a thread-local set by
// ScopedRequestId and added to every line logged inside its scope.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace datamesh::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug" / "info" / "warn" / "error"; false if unknown.
bool ParseLevel(std::string_view text, Level* level);

// One key/value of a line. Values are strings, integers, doubles or booleans.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, int v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, int64_t v) : key(k), value(v) {}
  Field(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  std::string_view key;
  std::variant<std::string, int64_t, double, bool> value;
};
using Fields = std::initializer_list<Field>;

struct Options {
  std::string service = "unknown";
  std::string instance;
  Level level = Level::kInfo;
  // Where finished lines go (each ends in '\n'); default writes to stderr. Tests capture here.
  std::function<void(std::string_view line)> sink;
};

// Replaces the process's logging options. Call early, before threads log.
void Configure(Options options);

void Log(Level level, std::string_view msg, Fields fields = {});
inline void Debug(std::string_view msg, Fields fields = {}) { Log(Level::kDebug, msg, fields); }
inline void Info(std::string_view msg, Fields fields = {}) { Log(Level::kInfo, msg, fields); }
inline void Warn(std::string_view msg, Fields fields = {}) { Log(Level::kWarn, msg, fields); }
inline void Error(std::string_view msg, Fields fields = {}) { Log(Level::kError, msg, fields); }

// Formats one line without writing it (exposed for tests and for the sink).
std::string FormatLine(const Options& options, Level level, std::string_view msg, Fields fields,
                       std::string_view request_id);

// Appends `text` to `out` as a JSON string literal (quotes included). Invalid UTF-8 bytes are
// replaced with U+FFFD so a line is always valid JSON, whatever a client sent.
void AppendJsonString(std::string* out, std::string_view text);

// Sets the request id of the current thread for the scope's lifetime (nests).
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

// The current thread's request id, or empty.
const std::string& CurrentRequestId();

}  // namespace datamesh::log
