// Whether the services' log files hold only valid log lines: each line valid UTF-8 and a JSON
// object, whatever bytes the requests that made them carried.
//
// Pure functions over files the caller names; thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace datamesh::e2e::mutation {

// Why `line` is not a valid log line, or "" if it is one.
std::string BadLogLine(absl::string_view line);

// Whether the log file whose name without extension is `stem` is a service's. The dependencies
// (NATS, PostgreSQL, Redis) write their own formats.
bool IsServiceLog(const std::string& stem);

struct LogFileCheck {
  size_t lines = 0;  // complete lines read
  int bad = 0;       // lines that are not valid log lines
  // The first five bad lines: "<file>:<line number>: <why>\n  <excerpt>".
  std::vector<std::string> first_bad;
};

// Checks every complete line of `file` (a last line without its newline may still be being
// written, and is not read).
LogFileCheck CheckLogFile(const std::filesystem::path& file);

}  // namespace datamesh::e2e::mutation
