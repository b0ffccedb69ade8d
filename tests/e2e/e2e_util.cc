#include "tests/e2e/e2e_util.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"

namespace datamesh::e2e {

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

testing::TestStack* StackSuite::stack_ = nullptr;
uint16_t StackSuite::port_ = 0;

void StackSuite::SetUpTestSuite() {
  auto stack = testing::TestStack::Start({.services = true, .chunk_stores = 6});
  ASSERT_OK(stack);
  stack_ = stack->release();
  const std::string url = stack_->Env("DM_GATEWAY_URL");  // http://127.0.0.1:PORT
  uint32_t port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(url.substr(url.rfind(':') + 1), &port) && port < 65536) << url;
  port_ = static_cast<uint16_t>(port);
}

void StackSuite::TearDownTestSuite() {
  delete stack_;
  stack_ = nullptr;
}

namespace fs = std::filesystem;
using google::protobuf::Struct;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& p, const std::string& data) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

Struct ParseJson(const std::string& text) {
  Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &s).ok()) << text;
  return s;
}

std::string Str(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}

const Struct& Obj(const Struct& s, const std::string& key) {
  static const Struct* const kEmpty = new Struct();
  auto it = s.fields().find(key);
  return it == s.fields().end() ? *kEmpty : it->second.struct_value();
}

std::vector<Struct> List(const Struct& s, const std::string& key) {
  std::vector<Struct> out;
  auto it = s.fields().find(key);
  if (it == s.fields().end()) return out;
  for (const auto& v : it->second.list_value().values()) out.push_back(v.struct_value());
  return out;
}

CurlHttp::CurlHttp(fs::path scratch) : scratch_(std::move(scratch)) {
  fs::create_directories(scratch_);
}

Reply CurlHttp::Call(const std::string& method, const std::string& url,
                     const std::vector<std::string>& args, const std::string& token) const {
  const fs::path out = scratch_ / "out.bin";
  const fs::path head = scratch_ / "head.txt";
  std::string cmd =
      absl::StrCat("curl -sS -g -o ", Quote(out.string()), " -D ", Quote(head.string()),
                   " -w '%{http_code}' ", method == "HEAD" ? "-I" : "-X " + Quote(method));
  for (const std::string& a : args) absl::StrAppend(&cmd, " ", a);
  if (!token.empty()) absl::StrAppend(&cmd, " -H ", Quote("Authorization: Bearer " + token));
  absl::StrAppend(&cmd, " ", Quote(url));
  auto output = testing::RunCommand(cmd);
  EXPECT_OK(output) << cmd;
  Reply r;
  if (!output.ok()) return r;
  EXPECT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(*output), &r.code)) << *output;
  r.body = ReadFile(out);
  for (absl::string_view line : absl::StrSplit(ReadFile(head), "\r\n")) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits(": ", 1));
    if (!kv.second.empty()) r.headers[absl::AsciiStrToLower(kv.first)] = kv.second;
  }
  return r;
}

std::string LoginAdminOnEnterpriseTier(const testing::TestStack& stack,
                                       const std::filesystem::path& scratch) {
  const std::string api = stack.Env("DM_GATEWAY_URL") + "/api/v1";
  const std::string password(absl::StripAsciiWhitespace(
      ReadFile(std::filesystem::path(stack.dir()) / "admin-password")));
  WriteFile(scratch / "login.json",
            absl::StrCat(R"({"username":"admin","password":")", password, R"("})"));
  const CurlHttp http(scratch);
  Reply login = http.Call("POST", api + "/auth/login",
                          {"-H 'Content-Type: application/json'",
                           "--data-binary @" + Quote((scratch / "login.json").string())});
  EXPECT_EQ(login.code, 200) << login.body;
  if (login.code != 200) return "";
  const std::string token = Str(login.Json(), "token");
  WriteFile(scratch / "tier.json", R"({"tier":"enterprise"})");
  Reply tier = http.Call("PUT", api + "/admin/users/" + Str(Obj(login.Json(), "user"), "id"),
                         {"-H 'Content-Type: application/json'",
                          "--data-binary @" + Quote((scratch / "tier.json").string())},
                         token);
  EXPECT_EQ(tier.code, 200) << tier.body;
  return tier.code == 200 ? token : "";
}

}  // namespace datamesh::e2e
