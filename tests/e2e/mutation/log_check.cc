// Whether the services' log lines are valid UTF-8 JSON objects.
#include "tests/e2e/mutation/log_check.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/text/utf8.h"
#include "tests/e2e/e2e_util.h"
#include "tests/e2e/mutation/show.h"

namespace datamesh::e2e::mutation {

std::string BadLogLine(absl::string_view line) {
  if (!text::IsValidUtf8(std::string_view(line.data(), line.size()))) return "not UTF-8";
  google::protobuf::Struct parsed;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), &parsed);
  return status.ok() ? "" : "not JSON: " + status.ToString();
}

bool IsServiceLog(const std::string& stem) {
  return !(stem == "nats" || stem == "redis" || absl::StartsWith(stem, "pg"));
}

LogFileCheck CheckLogFile(const std::filesystem::path& file) {
  LogFileCheck check;
  const std::string text = ReadFile(file);
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  lines.pop_back();  // after the last newline: empty, or a line still being written
  check.lines = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string why = BadLogLine(lines[i]);
    if (why.empty()) continue;
    if (++check.bad <= 5) {
      check.first_bad.push_back(absl::StrCat(file.filename().string(), ":", i + 1, ": ", why,
                                             "\n  ", Excerpt(lines[i], 1000)));
    }
  }
  return check;
}

}  // namespace datamesh::e2e::mutation
