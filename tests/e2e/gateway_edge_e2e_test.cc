// The gateway's edge over real HTTP against the whole stack (TestStack with every service):
// the admin routes (role checks, role and tier changes, audit of logins, maintenance, system
// view), multipart uploads (round trip; a truncated body stores nothing), client encryption and
// upload ids, download bandwidth counted in the profile, the OpenAPI document, request ids in
// another service's log, the static folder (and traversal refused), HEAD keeping the
// connection alive, the per-user API-call limit (live feed upgrades included).
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using ::datamesh::testing::RunCommand;
using ::datamesh::testing::TestStack;
using google::protobuf::Struct;
namespace fs = std::filesystem;

using e2e::Eventually;
using e2e::List;
using e2e::Obj;
using e2e::ReadFile;
using e2e::Reply;
using e2e::Str;
using e2e::WriteFile;

std::string ErrorCode(const Reply& r) { return r.ErrorCode(); }

class GatewayEdgeE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The static folder, with a secret next to it that must stay unreachable.
    static_root_ =
        new fs::path(fs::temp_directory_path() / absl::StrCat("dm-edge-static-", ::getpid()));
    fs::remove_all(*static_root_);
    fs::create_directories(*static_root_ / "site" / "css");
    WriteFile(*static_root_ / "site" / "index.html", "<!doctype html><title>DataMesh</title>");
    WriteFile(*static_root_ / "site" / "css" / "app.css", "body{margin:0}");
    WriteFile(*static_root_ / "secret.txt", "top secret");
    // Flags of every service come from the environment (DM_<FLAG>): the gateway's static
    // folder, and debug logs so each RPC logs its end under the caller's request id.
    setenv("DM_STATIC_DIR", (*static_root_ / "site").c_str(), 1);
    setenv("DM_LOG_LEVEL", "debug", 1);
    // quota reconciles files as soon as they are committed (read by quota only).
    setenv("DM_RECONCILE_MARGIN", "0s", 1);
    auto stack = TestStack::Start({.services = true, .chunk_stores = 6});
    ASSERT_OK(stack);
    stack_ = stack->release();
    dir_ = new fs::path(fs::path(stack_->dir()) / "e2e-edge");
    fs::create_directories(*dir_);
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    delete dir_;
    fs::remove_all(*static_root_);
    delete static_root_;
  }

  static std::string Base() { return stack_->Env("DM_GATEWAY_URL"); }

  // One curl call to `url`; extra raw curl arguments in `args`.
  static Reply CurlUrl(const std::string& method, const std::string& url,
                       const std::vector<std::string>& args, const std::string& token = "") {
    return e2e::CurlHttp(*dir_).Call(method, url, args, token);
  }

  static Reply Api(const std::string& method, const std::string& path,
                   const std::string& token = "", const std::vector<std::string>& args = {}) {
    return CurlUrl(method, Base() + "/api/v1" + path, args, token);
  }

  static Reply Json(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& token = "") {
    const fs::path f = *dir_ / "req.json";
    WriteFile(f, body);
    return Api(method, path, token,
               {"-H 'Content-Type: application/json'", "--data-binary @'" + f.string() + "'"});
  }

  static Reply Upload(const std::string& token, const std::string& query, const std::string& data,
                      std::vector<std::string> args = {}) {
    const fs::path f = *dir_ / "upload.bin";
    WriteFile(f, data);
    args.push_back("--data-binary @'" + f.string() + "'");
    return Api("POST", "/files" + query, token, args);
  }

  static std::string Login(const std::string& user, const std::string& password) {
    Reply r = Json("POST", "/auth/login",
                   absl::StrCat(R"({"username":")", user, R"(","password":")", password, R"("})"));
    EXPECT_EQ(r.code, 200) << r.body;
    return r.code == 200 ? Str(r.Json(), "token") : "";
  }

  // Registers and logs in `name`; returns {user id, token}.
  static std::pair<std::string, std::string> NewUser(const std::string& name) {
    Reply reg = Json("POST", "/auth/register",
                     absl::StrCat(R"({"username":")", name, R"(","email":")", name,
                                  R"(@example.com","password":"correct-horse-1"})"));
    EXPECT_EQ(reg.code, 201) << reg.body;
    return {Str(Obj(reg.Json(), "user"), "id"), Login(name, "correct-horse-1")};
  }

  static std::string AdminToken() {
    std::string password(
        absl::StripAsciiWhitespace(ReadFile(fs::path(stack_->dir()) / "admin-password")));
    return Login("admin", password);
  }

  static TestStack* stack_;
  static fs::path* dir_;
  static fs::path* static_root_;
};
TestStack* GatewayEdgeE2eTest::stack_ = nullptr;
fs::path* GatewayEdgeE2eTest::dir_ = nullptr;
fs::path* GatewayEdgeE2eTest::static_root_ = nullptr;

// A raw HTTP/1.1 connection to the gateway, for what curl hides (connection reuse).
class RawConnection {
 public:
  explicit RawConnection(const std::string& base) : socket_(ioc_) {
    const std::string host_port = base.substr(base.find("://") + 3);
    boost::asio::ip::tcp::resolver resolver(ioc_);
    boost::asio::connect(socket_, resolver.resolve(host_port.substr(0, host_port.rfind(':')),
                                                   host_port.substr(host_port.rfind(':') + 1)));
  }
  // Sends `request` and returns the response header block (through the blank line).
  std::string Send(const std::string& request, boost::system::error_code& ec) {
    boost::asio::write(socket_, boost::asio::buffer(request), ec);
    if (ec) return "";
    const size_t n =
        boost::asio::read_until(socket_, boost::asio::dynamic_buffer(buffer_), "\r\n\r\n", ec);
    if (ec) return "";
    std::string head = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return head;
  }
  // Reads exactly `n` body bytes.
  std::string Body(size_t n, boost::system::error_code& ec) {
    if (buffer_.size() < n) {
      boost::asio::read(socket_, boost::asio::dynamic_buffer(buffer_),
                        boost::asio::transfer_exactly(n - buffer_.size()), ec);
    }
    std::string body = buffer_.substr(0, std::min(n, buffer_.size()));
    buffer_.erase(0, body.size());
    return body;
  }
  size_t buffered() const { return buffer_.size(); }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  std::string buffer_;
};

TEST_F(GatewayEdgeE2eTest, AdminRoutesNeedTheAdminRole) {
  auto [user_id, user_token] = NewUser("edge_user");
  ASSERT_FALSE(user_token.empty());
  const std::string admin = AdminToken();
  ASSERT_FALSE(admin.empty());

  for (const char* path : {"/admin/users", "/admin/audit", "/admin/system"}) {
    Reply r = Api("GET", path, user_token);
    EXPECT_EQ(r.code, 403) << path << ": " << r.body;
    EXPECT_EQ(ErrorCode(r), "PERMISSION_DENIED") << path;
  }
  EXPECT_EQ(Api("GET", "/admin/users").code, 401);

  // The listing shows every user with usage.
  Reply users = Api("GET", "/admin/users?limit=1000", admin);
  ASSERT_EQ(users.code, 200) << users.body;
  bool found = false;
  for (const Struct& u : List(users.Json(), "users")) {
    if (Str(u, "id") != user_id) continue;
    found = true;
    EXPECT_EQ(Str(u, "role"), "user");
    EXPECT_TRUE(u.fields().count("usage") > 0) << users.body;
  }
  EXPECT_TRUE(found) << users.body;
  EXPECT_EQ(Api("GET", "/admin/users?limit=0", admin).code, 400);

  // Bad changes are refused, nothing changes.
  EXPECT_EQ(Json("PUT", "/admin/users/" + user_id, R"({"role":"root"})", admin).code, 400);
  EXPECT_EQ(Json("PUT", "/admin/users/" + user_id, R"({"tier":"no-such-tier"})", admin).code, 400);
  EXPECT_EQ(Json("PUT", "/admin/users/" + user_id, R"({"email":"x@y.z"})", admin).code, 400);
  EXPECT_EQ(Json("PUT", "/admin/users/" + user_id, R"({})", admin).code, 400);
  EXPECT_EQ(Json("PUT", "/admin/users/" + user_id, R"({"role":1})", admin).code, 400);

  // Promote: visible in the answer, in the listing, and to the user's own token at once.
  Reply promoted =
      Json("PUT", "/admin/users/" + user_id, R"({"role":"admin","tier":"premium"})", admin);
  ASSERT_EQ(promoted.code, 200) << promoted.body;
  EXPECT_EQ(Str(Obj(promoted.Json(), "user"), "role"), "admin");
  EXPECT_EQ(Str(Obj(promoted.Json(), "user"), "tier"), "premium");
  EXPECT_EQ(Api("GET", "/admin/users", user_token).code, 200);
  // And back.
  ASSERT_EQ(Json("PUT", "/admin/users/" + user_id, R"({"role":"user"})", admin).code, 200);
  EXPECT_EQ(Api("GET", "/admin/users", user_token).code, 403);
}

TEST_F(GatewayEdgeE2eTest, AuditRecordsTheLogins) {
  auto [user_id, token] = NewUser("audited");
  ASSERT_FALSE(token.empty());
  const std::string admin = AdminToken();
  const std::string from =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now() - absl::Hours(1), absl::UTCTimeZone());
  Reply r = Api(
      "GET",
      absl::StrCat("/admin/audit?action=auth.login&user=", user_id, "&from=", from, "&limit=10"),
      admin);
  ASSERT_EQ(r.code, 200) << r.body;
  const std::vector<Struct> records = List(r.Json(), "records");
  ASSERT_FALSE(records.empty()) << r.body;
  for (const Struct& rec : records) {
    EXPECT_EQ(Str(rec, "action"), "auth.login");
    EXPECT_EQ(Str(rec, "outcome"), "success");
    EXPECT_FALSE(Str(rec, "sourceIp").empty());
  }
  // A window in the past has none of them; a malformed time is 400.
  r = Api("GET", absl::StrCat("/admin/audit?user=", user_id, "&to=2000-01-01T00:00:00Z"), admin);
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_TRUE(List(r.Json(), "records").empty()) << r.body;
  EXPECT_EQ(Api("GET", "/admin/audit?from=yesterday", admin).code, 400);
}

TEST_F(GatewayEdgeE2eTest, MaintenanceAndSystem) {
  const std::string admin = AdminToken();
  EXPECT_EQ(Json("POST", "/admin/maintenance", R"({"action":"nuke"})", admin).code, 400);
  Reply run = Json("POST", "/admin/maintenance", R"({"action":"scrub"})", admin);
  // file-ingest's maintenance may not be built yet: then 501, never a made-up job.
  if (run.code == 501) {
    EXPECT_EQ(ErrorCode(run), "NOT_IMPLEMENTED");
  } else {
    ASSERT_EQ(run.code, 202) << run.body;
    const std::string job = Str(run.Json(), "jobId");
    ASSERT_FALSE(job.empty());
    Reply state = Api("GET", "/admin/maintenance/" + job, admin);
    EXPECT_EQ(state.code, 200) << state.body;
    EXPECT_EQ(Str(state.Json(), "jobId"), job);
  }

  // Heartbeats arrive every 2 s: wait until the services show up.
  Reply sys;
  ASSERT_TRUE(Eventually([&] {
    sys = Api("GET", "/admin/system", admin);
    if (sys.code != 200) return false;
    std::set<std::string> names;
    for (const Struct& s : List(sys.Json(), "services")) names.insert(Str(s, "name"));
    return names.contains("auth") && names.contains("file-ingest") && names.contains("chunk-store");
  })) << sys.body;
  const Struct system = sys.Json();
  EXPECT_FALSE(Str(Obj(system, "gateway"), "version").empty());
  EXPECT_EQ(Obj(system, "nodes").fields().at("total").number_value(), 6) << sys.body;
  EXPECT_GE(Obj(system, "totals").fields().at("users").number_value(), 1) << sys.body;
  for (const Struct& s : List(system, "services")) {
    if (Str(s, "name") == "chunk-store") EXPECT_EQ(List(s, "instances").size(), 6u) << sys.body;
  }
}

// A file.stored event lost between file-ingest and quota (simulated by removing what it
// counted from quota's ledger): the admin's reconciliation finds the file in file-ingest's
// manifests, counts it again and records the act in the audit log.
TEST_F(GatewayEdgeE2eTest, QuotaReconciliationCountsAFileWhoseEventWasLost) {
  auto [user_id, token] = NewUser("reconciled");
  const std::string data(54'321, 'r');
  Reply up = Upload(token, "?name=reconciled.bin", data);
  ASSERT_EQ(up.code, 201) << up.body;
  const std::string id = Str(Obj(up.Json(), "file"), "id");
  auto stored = [&] {
    Reply p = Api("GET", "/auth/profile", token);
    uint64_t v = 0;
    EXPECT_TRUE(absl::SimpleAtoi(Str(Obj(p.Json(), "usage"), "storageBytes"), &v)) << p.body;
    return v;
  };
  ASSERT_TRUE(Eventually([&] { return stored() == data.size(); })) << stored();
  ASSERT_OK(RunCommand(absl::StrCat(
      "psql -q -v ON_ERROR_STOP=1 '", stack_->pg_url(), "' -c \"BEGIN; DELETE FROM quota.files ",
      "WHERE file_id = '", id, "'; UPDATE quota.usage SET stored_bytes = stored_bytes - ",
      data.size(), " WHERE user_id = '", user_id, "'; COMMIT;\"")));
  ASSERT_EQ(stored(), 0u);

  EXPECT_EQ(Api("POST", "/admin/quota/reconcile", token).code, 403);
  const std::string admin = AdminToken();
  Reply r = Api("POST", "/admin/quota/reconcile", admin);
  ASSERT_EQ(r.code, 200) << r.body;
  int64_t added = 0, drift = 0;
  EXPECT_TRUE(absl::SimpleAtoi(Str(r.Json(), "filesAdded"), &added)) << r.body;
  EXPECT_TRUE(absl::SimpleAtoi(Str(r.Json(), "driftBytes"), &drift)) << r.body;
  EXPECT_EQ(added, 1) << r.body;  // every other file of the stack was counted by its event
  EXPECT_EQ(drift, static_cast<int64_t>(data.size())) << r.body;
  EXPECT_EQ(stored(), data.size());
  // A second run finds nothing more.
  r = Api("POST", "/admin/quota/reconcile", admin);
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_TRUE(absl::SimpleAtoi(Str(r.Json(), "filesAdded"), &added)) << r.body;
  EXPECT_EQ(added, 0) << r.body;
  Reply audit = Api("GET", "/admin/audit?action=admin.quota.reconcile&limit=10", admin);
  ASSERT_EQ(audit.code, 200) << audit.body;
  EXPECT_EQ(List(audit.Json(), "records").size(), 2u) << audit.body;
}

TEST_F(GatewayEdgeE2eTest, MultipartUploadRoundTripAndTruncationStoresNothing) {
  auto [user_id, token] = NewUser("multi");
  ASSERT_FALSE(token.empty());
  std::string data;
  for (int i = 0; data.size() < 300'000; ++i) data += absl::StrCat("row ", i, "\r\n--\r\n");
  const fs::path f = *dir_ / "form.txt";
  WriteFile(f, data);
  Reply up = Api(
      "POST", "/files", token,
      {"-F 'note=hello'", "-F 'file=@" + f.string() + ";type=text/x-demo;filename=report.txt'"});
  ASSERT_EQ(up.code, 201) << up.body;
  const Struct file = Obj(up.Json(), "file");
  EXPECT_EQ(Str(file, "name"), "report.txt");
  EXPECT_EQ(Str(file, "contentType"), "text/x-demo");
  EXPECT_EQ(Str(file, "size"), std::to_string(data.size()));
  Reply down = Api("GET", "/files/" + Str(file, "id"), token);
  ASSERT_EQ(down.code, 200);
  EXPECT_TRUE(down.body == data);

  // ?name= wins over the part's filename.
  up = Api("POST", "/files?name=renamed.txt", token, {"-F 'file=@" + f.string() + "'"});
  ASSERT_EQ(up.code, 201) << up.body;
  EXPECT_EQ(Str(Obj(up.Json(), "file"), "name"), "renamed.txt");

  // A body without its closing boundary, and one without a file part: 400, nothing stored.
  const std::string part =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"trunc.bin\"\r\n\r\n" +
      std::string(100'000, 'q');
  for (const std::string& body : {part, part + "\r\n--XyZ",
                                  std::string("--XyZ\r\nContent-Disposition: form-data; "
                                              "name=\"other\"\r\n\r\nv\r\n--XyZ--\r\n")}) {
    Reply bad = Upload(token, "", body, {"-H 'Content-Type: multipart/form-data; boundary=XyZ'"});
    EXPECT_EQ(bad.code, 400) << bad.body;
    EXPECT_EQ(ErrorCode(bad), "INVALID_ARGUMENT");
  }
  Reply list = Api("GET", "/files?prefix=trunc", token);
  ASSERT_EQ(list.code, 200) << list.body;
  EXPECT_TRUE(List(list.Json(), "files").empty()) << list.body;
  list = Api("GET", "/files", token);
  EXPECT_EQ(List(list.Json(), "files").size(), 2u) << list.body;
}

TEST_F(GatewayEdgeE2eTest, ClientEncryptionAndUploadIds) {
  auto [user_id, token] = NewUser("e2e_client");
  Reply up = Upload(token, "?name=sealed.bin&encryption=client&uploadId=up-1", "ciphertext");
  ASSERT_EQ(up.code, 201) << up.body;
  EXPECT_EQ(Str(Obj(up.Json(), "file"), "encryption"), "client");
  up = Upload(token, "?name=plain.bin", "plaintext",
              {"-H 'X-DataMesh-Encryption: server'", "-H 'X-Upload-Id: up_2'"});
  ASSERT_EQ(up.code, 201) << up.body;
  EXPECT_EQ(Str(Obj(up.Json(), "file"), "encryption"), "server");
  EXPECT_EQ(Upload(token, "?name=x&encryption=maybe", "x").code, 400);
  EXPECT_EQ(Upload(token, "?name=x", "x", {"-H 'X-Upload-Id: bad id!'"}).code, 400);
  EXPECT_EQ(Upload(token, "?name=x&uploadId=" + std::string(65, 'a'), "x").code, 400);
}

// The private key is re-sealed under the new password: files stored before the change stay
// readable; a wrong current password or a short new one changes nothing.
TEST_F(GatewayEdgeE2eTest, PasswordChangeKeepsFilesReadable) {
  auto [user_id, token] = NewUser("changer");
  const std::string other_session = Login("changer", "correct-horse-1");
  const std::string data(70'001, 'p');
  Reply up = Upload(token, "?name=before-change.bin", data);
  ASSERT_EQ(up.code, 201) << up.body;
  const std::string id = Str(Obj(up.Json(), "file"), "id");

  Reply wrong = Json("PUT", "/auth/password",
                     R"({"currentPassword":"not-it","newPassword":"horse-battery-2"})", token);
  EXPECT_EQ(wrong.code, 403) << wrong.body;
  Reply shortpw = Json("PUT", "/auth/password",
                       R"({"currentPassword":"correct-horse-1","newPassword":"short"})", token);
  EXPECT_EQ(shortpw.code, 400) << shortpw.body;
  EXPECT_EQ(Json("PUT", "/auth/password", R"({"currentPassword":"x","newPassword":"y"})").code,
            401);
  EXPECT_FALSE(Login("changer", "correct-horse-1").empty()) << "a refused change kept the password";

  Reply ok = Json("PUT", "/auth/password",
                  R"({"currentPassword":"correct-horse-1","newPassword":"horse-battery-2",)"
                  R"("revokeOtherSessions":true})",
                  token);
  ASSERT_EQ(ok.code, 204) << ok.body;
  EXPECT_EQ(Json("POST", "/auth/login",
                 R"({"username":"changer","password":"correct-horse-1"})").code,
            401);
  const std::string fresh = Login("changer", "horse-battery-2");
  ASSERT_FALSE(fresh.empty());
  Reply down = Api("GET", "/files/" + id, fresh);
  EXPECT_EQ(down.code, 200) << down.body.substr(0, 200);
  EXPECT_EQ(down.body, data);
  // This request's session stays; the other one ends (at once in auth; the gateway may hold its
  // last validation for a few seconds).
  EXPECT_EQ(Api("GET", "/auth/profile", token).code, 200);
  EXPECT_TRUE(Eventually([&] { return Api("GET", "/auth/profile", other_session).code == 401; }));
}

TEST_F(GatewayEdgeE2eTest, DownloadsCountAgainstBandwidth) {
  auto [user_id, token] = NewUser("reader");
  const std::string data(123'457, 'b');
  Reply up = Upload(token, "?name=bw.bin", data);
  ASSERT_EQ(up.code, 201) << up.body;
  const std::string id = Str(Obj(up.Json(), "file"), "id");
  auto bandwidth = [&] {
    Reply p = Api("GET", "/auth/profile", token);
    uint64_t v = 0;
    EXPECT_TRUE(absl::SimpleAtoi(Str(Obj(p.Json(), "usage"), "bandwidthBytesMonth"), &v)) << p.body;
    return v;
  };
  const uint64_t before = bandwidth();
  ASSERT_EQ(Api("GET", "/files/" + id, token).code, 200);
  ASSERT_TRUE(Eventually([&] { return bandwidth() == before + data.size(); }))
      << bandwidth() << " vs " << before;
  // A range counts only its bytes; HEAD counts nothing.
  ASSERT_EQ(Api("GET", "/files/" + id, token, {"-H 'Range: bytes=0-99'"}).code, 206);
  ASSERT_EQ(Api("HEAD", "/files/" + id, token).code, 200);
  ASSERT_TRUE(Eventually([&] { return bandwidth() == before + data.size() + 100; }));
}

TEST_F(GatewayEdgeE2eTest, ApiCallsAreLimitedPerUserFeedUpgradesIncluded) {
  auto [limited_id, limited] = NewUser("limited");
  auto [other_id, other] = NewUser("not_limited");
  // The Free tier allows 100 API calls an hour (quota's tiers).
  Reply last;
  int admitted = 0;
  for (int i = 0; i < 150; ++i) {
    last = Api("GET", "/auth/profile", limited);
    if (last.code != 200) break;
    ++admitted;
  }
  EXPECT_EQ(last.code, 429) << last.body;
  EXPECT_EQ(ErrorCode(last), "RATE_LIMITED");
  EXPECT_GT(std::atoi(last.headers["retry-after"].c_str()), 0);
  EXPECT_GE(admitted, 90);
  EXPECT_LE(admitted, 100);
  // Opening the live feed is an API call too: refused before the upgrade.
  Reply ws =
      Api("GET", "/ws", limited,
          {"--max-time 10", "-H 'Connection: Upgrade'", "-H 'Upgrade: websocket'",
           "-H 'Sec-WebSocket-Version: 13'", "-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='"});
  EXPECT_EQ(ws.code, 429) << ws.body;
  // Another user is not affected.
  EXPECT_EQ(Api("GET", "/auth/profile", other).code, 200);
}

TEST_F(GatewayEdgeE2eTest, OpenApiIsServed) {
  Reply r = Api("GET", "/openapi.json");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  const Struct doc = r.Json();
  EXPECT_EQ(Str(doc, "openapi").substr(0, 3), "3.0");
  EXPECT_TRUE(Obj(doc, "paths").fields().count("/api/v1/files/{id}") > 0);
}

TEST_F(GatewayEdgeE2eTest, RequestIdReachesFileIngestLogs) {
  auto [user_id, token] = NewUser("traced");
  const std::string id =
      absl::StrCat("edge-trace-", ::getpid(), "-", absl::ToUnixMicros(absl::Now()));
  Reply up = Upload(token, "?name=traced.bin", "trace me", {"-H 'X-Request-Id: " + id + "'"});
  ASSERT_EQ(up.code, 201) << up.body;
  EXPECT_EQ(up.headers["x-request-id"], id);
  const fs::path log = fs::path(stack_->dir()) / "logs" / "file-ingest.log";
  EXPECT_TRUE(Eventually([&] {
    return ReadFile(log).find("\"request_id\":\"" + id + "\"") != std::string::npos;
  })) << "no line with "
      << id << " in " << log;
  // An unusable id is replaced by a fresh one.
  up = Upload(token, "?name=t2.bin", "x", {"-H 'X-Request-Id: bad id with spaces'"});
  ASSERT_EQ(up.code, 201);
  EXPECT_NE(up.headers["x-request-id"], "bad id with spaces");
  EXPECT_FALSE(up.headers["x-request-id"].empty());
}

TEST_F(GatewayEdgeE2eTest, StaticFolderIsServedAndTraversalRefused) {
  Reply r = CurlUrl("GET", Base() + "/", {});
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "<!doctype html><title>DataMesh</title>");
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  r = CurlUrl("GET", Base() + "/css/app.css", {});
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.headers["content-type"], "text/css; charset=utf-8");
  EXPECT_EQ(CurlUrl("GET", Base() + "/nope.html", {}).code, 404);
  for (const char* trick : {"/../secret.txt", "/%2e%2e/secret.txt", "/css/..%2f..%2fsecret.txt",
                            "/css%2F..%2F..%2Fsecret.txt"}) {
    r = CurlUrl("GET", Base() + trick, {"--path-as-is"});
    EXPECT_TRUE(r.code == 400 || r.code == 404) << trick << ": " << r.code;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << trick;
  }
  // The API keeps its own answers.
  EXPECT_EQ(CurlUrl("GET", Base() + "/api/v1/governance/proposals", {}).code, 401);
}

TEST_F(GatewayEdgeE2eTest, HeadKeepsTheConnectionAlive) {
  auto [user_id, token] = NewUser("header");
  Reply up = Upload(token, "?name=h.bin", std::string(5000, 'h'));
  ASSERT_EQ(up.code, 201) << up.body;
  const std::string id = Str(Obj(up.Json(), "file"), "id");
  RawConnection conn(Base());
  boost::system::error_code ec;
  const std::string auth = "Authorization: Bearer " + token + "\r\n";
  std::string head =
      conn.Send("HEAD /api/v1/files/" + id + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Length: 5000"), std::string::npos) << head;
  EXPECT_EQ(absl::AsciiStrToLower(head).find("connection: close"), std::string::npos) << head;
  // The same connection answers the next request; no body bytes came after the HEAD answer.
  head = conn.Send("GET /api/v1/files/" + id + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
  EXPECT_EQ(conn.Body(5000, ec), std::string(5000, 'h'));
}

}  // namespace
}  // namespace datamesh
