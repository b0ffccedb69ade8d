#include "tools/cli/exit_codes.h"

#include <gtest/gtest.h>

namespace datamesh::cli {
namespace {

std::string ApiError(const std::string& code, const std::string& message) {
  return R"({"error":{"code":")" + code + R"(","message":")" + message + R"("}})";
}

TEST(ExitCodes, EachStatusHasItsDocumentedCode) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(absl::AlreadyExistsError("")), 1);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("")), 2);
  EXPECT_EQ(ExitCodeFor(absl::UnauthenticatedError("")), 3);
  EXPECT_EQ(ExitCodeFor(absl::PermissionDeniedError("")), 3);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("")), 4);
  EXPECT_EQ(ExitCodeFor(absl::ResourceExhaustedError("")), 5);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("")), 6);
  EXPECT_EQ(ExitCodeFor(absl::UnimplementedError("")), 6);
  EXPECT_EQ(ExitCodeFor(absl::DataLossError("")), 7);
}

TEST(ExitCodes, HttpAnswersMapThroughTheApiErrorCodeFirst) {
  struct Case {
    long http;
    std::string code;
    int exit;
  };
  for (const Case& c : std::vector<Case>{{400, "INVALID_ARGUMENT", 2},
                                         {401, "UNAUTHENTICATED", 3},
                                         {403, "PERMISSION_DENIED", 3},
                                         {403, "QUOTA_EXCEEDED", 5},  // not auth: a limit
                                         {404, "NOT_FOUND", 4},
                                         {409, "ALREADY_EXISTS", 1},
                                         {413, "PAYLOAD_TOO_LARGE", 5},
                                         {429, "RATE_LIMITED", 5},
                                         {500, "INTERNAL", 6},
                                         {501, "NOT_IMPLEMENTED", 6},
                                         {503, "UNAVAILABLE", 6}}) {
    absl::Status s = StatusFromHttp(c.http, ApiError(c.code, "why"));
    EXPECT_EQ(ExitCodeFor(s), c.exit) << c.http << " " << c.code;
    EXPECT_NE(s.message().find("why"), std::string::npos) << s;
    EXPECT_NE(s.message().find(c.code), std::string::npos) << s;
  }
}

TEST(ExitCodes, HttpStatusAloneWhenTheBodyIsNotAnApiError) {
  EXPECT_EQ(ExitCodeFor(StatusFromHttp(404, "<html>")), 4);
  EXPECT_EQ(ExitCodeFor(StatusFromHttp(416, "")), 2);
  EXPECT_EQ(ExitCodeFor(StatusFromHttp(429, "")), 5);
  EXPECT_EQ(ExitCodeFor(StatusFromHttp(502, "bad gateway")), 6);
  EXPECT_EQ(ExitCodeFor(StatusFromHttp(418, "")), 1);
  absl::Status limited = StatusFromHttp(429, ApiError("RATE_LIMITED", "slow down"), "7");
  EXPECT_NE(limited.message().find("retry after 7 s"), std::string::npos) << limited;
}

TEST(ExitCodes, HelpListsEveryCode) {
  const std::string help = ExitCodeHelp();
  for (int code = 0; code <= 7; ++code) {
    EXPECT_NE(help.find("  " + std::to_string(code) + "  "), std::string::npos) << code;
  }
}

}  // namespace
}  // namespace datamesh::cli
