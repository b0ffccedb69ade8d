// Raw HTTP/1.1 over one TCP connection, for requests no HTTP client would send: the bytes go out
// exactly as given, and every byte of the reply comes back together with the answers parsed
// from it (status, headers, body), however many the connection carried.
//
// Thread-safe: no shared state.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace datamesh::e2e::mutation {

inline constexpr auto kAnswerTimeout = std::chrono::seconds(3);
inline constexpr size_t kMaxAnswerBytes = 1 << 20;

struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One request sent on one connection.
struct Exchange {
  bool connected = false;
  bool timed_out = false;
  std::string raw;  // every byte the server sent (up to kMaxAnswerBytes)
  std::vector<Answer> answers;
};

// The HTTP answers in `raw`, in order. A HEAD answer is recognised by the next answer starting
// right after its header; a 101 ends the HTTP part of the connection.
std::vector<Answer> ParseAnswers(absl::string_view raw);

// Sends `request` on a new connection to 127.0.0.1:`port`, half-closes, and reads until the
// server closes or `timeout` passes. `connected` is false if no connection was made.
Exchange SendRaw(uint16_t port, const std::string& request,
                 std::chrono::milliseconds timeout = kAnswerTimeout);

}  // namespace datamesh::e2e::mutation
