#include "shared/log/log.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "shared/text/utf8.h"

namespace datamesh::log {
namespace {

struct State {
  std::mutex mu;
  Options options;
};

State& GlobalState() {
  static State* state = new State();  // never destroyed: threads may log during exit
  return *state;
}

thread_local std::string current_request_id;

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void WriteStderr(std::string_view line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;  // nowhere to report a failing stderr
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

bool ParseLevel(std::string_view text, Level* level) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == LevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

void AppendJsonString(std::string* out, std::string_view text) {
  out->push_back('"');
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c < 0x20) {
      absl::StrAppendFormat(out, "\\u%04x", c);
    } else if (c >= 0x80) {
      size_t len = ::datamesh::text::Utf8SequenceLength(text, i);
      if (len == 0) {
        out->append("\xEF\xBF\xBD");
        ++i;
        continue;
      }
      out->append(text.substr(i, len));
      i += len;
      continue;
    } else {
      out->push_back(static_cast<char>(c));
    }
    ++i;
  }
  out->push_back('"');
}

std::string FormatLine(const Options& options, Level level, std::string_view msg, Fields fields,
                       std::string_view request_id) {
  std::string line = "{\"ts\":\"";
  line += absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line += "\",\"level\":\"";
  line += LevelName(level);
  line += "\",\"service\":";
  AppendJsonString(&line, options.service);
  if (!options.instance.empty()) {
    line += ",\"instance\":";
    AppendJsonString(&line, options.instance);
  }
  line += ",\"msg\":";
  AppendJsonString(&line, msg);
  if (!request_id.empty()) {
    line += ",\"request_id\":";
    AppendJsonString(&line, request_id);
  }
  for (const Field& f : fields) {
    line += ',';
    AppendJsonString(&line, f.key);
    line += ':';
    if (const auto* s = std::get_if<std::string>(&f.value)) {
      AppendJsonString(&line, *s);
    } else if (const auto* i = std::get_if<int64_t>(&f.value)) {
      absl::StrAppend(&line, *i);
    } else if (const auto* d = std::get_if<double>(&f.value)) {
      // JSON has no NaN or infinity.
      if (std::isfinite(*d)) {
        absl::StrAppend(&line, *d);
      } else {
        line += "null";
      }
    } else {
      line += std::get<bool>(f.value) ? "true" : "false";
    }
  }
  line += "}\n";
  return line;
}

void Configure(Options options) {
  State& state = GlobalState();
  std::lock_guard<std::mutex> lock(state.mu);
  state.options = std::move(options);
}

void Log(Level level, std::string_view msg, Fields fields) {
  State& state = GlobalState();
  std::lock_guard<std::mutex> lock(state.mu);
  if (level < state.options.level) return;
  std::string line = FormatLine(state.options, level, msg, fields, current_request_id);
  if (state.options.sink) {
    state.options.sink(line);
  } else {
    WriteStderr(line);
  }
}

ScopedRequestId::ScopedRequestId(std::string request_id)
    : previous_(std::exchange(current_request_id, std::move(request_id))) {}

ScopedRequestId::~ScopedRequestId() { current_request_id = std::move(previous_); }

const std::string& CurrentRequestId() { return current_request_id; }

}  // namespace datamesh::log
