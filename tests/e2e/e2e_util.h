// What the end-to-end suites share: a suite's stack, files, shell quoting, JSON answers read as
// google.protobuf.Struct, polling without bare sleeps, and one HTTP call through the curl
// binary as a user would make it (status, headers, body). Thread-compatible: one CurlHttp per
// thread (it writes its scratch files into its own folder).
#pragma once

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace datamesh::testing {
class TestStack;
}  // namespace datamesh::testing

namespace datamesh::e2e {

std::string ReadFile(const std::filesystem::path& p);
// Writes `data`, creating missing parent folders.
void WriteFile(const std::filesystem::path& p, const std::string& data);
// `s` as one single-quoted shell word.
std::string Quote(const std::string& s);

// `n` pseudo-random bytes, the same for the same seed (content for uploads).
std::string RandomBytes(size_t n, uint64_t seed);

// JSON bodies as protobuf Structs (as the gateway renders them). Missing keys read as empty.
google::protobuf::Struct ParseJson(const std::string& text);
std::string Str(const google::protobuf::Struct& s, const std::string& key);
const google::protobuf::Struct& Obj(const google::protobuf::Struct& s, const std::string& key);
std::vector<google::protobuf::Struct> List(const google::protobuf::Struct& s,
                                           const std::string& key);

struct Reply {
  int code = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  google::protobuf::Struct Json() const { return ParseJson(body); }
  // The API error code of an error answer ({"error": {"code"}}), or "".
  std::string ErrorCode() const { return Str(Obj(Json(), "error"), "code"); }
};

// Polls `condition` every 100 ms until it holds or `timeout` passes; returns its last value.
template <typename F>
bool Eventually(F condition, std::chrono::seconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

// Base of a suite run against one whole stack (every service, six chunk-stores), started before
// its first test and stopped after its last. A suite with more to set up calls these from its
// own SetUpTestSuite (first) and TearDownTestSuite (last).
class StackSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  static testing::TestStack* stack_;
  static uint16_t port_;  // the gateway's HTTP port (on 127.0.0.1)
};

class CurlHttp {
 public:
  // `scratch` holds the answer files of the last call.
  explicit CurlHttp(std::filesystem::path scratch);

  // One request to `url`. `args` are extra raw curl arguments (already shell-quoted where
  // needed); `token`, when set, goes in Authorization: Bearer. A failed curl run is a test
  // failure and answers code 0.
  Reply Call(const std::string& method, const std::string& url,
             const std::vector<std::string>& args = {}, const std::string& token = "") const;

 private:
  std::filesystem::path scratch_;
};

// Logs the stack's admin in over REST (its password from <stack dir>/admin-password) and moves
// it to the enterprise tier, for suites that poll more than the free tier's 100 API calls an
// hour allow. `scratch` holds the request bodies. Returns the token; a failed step fails the
// test and returns "".
std::string LoginAdminOnEnterpriseTier(const testing::TestStack& stack,
                                       const std::filesystem::path& scratch);

}  // namespace datamesh::e2e
