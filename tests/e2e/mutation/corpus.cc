// The corpus of valid requests, one function per area of the API.
#include "tests/e2e/mutation/corpus.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace datamesh::e2e::mutation {
namespace {

constexpr char kJson[] = "application/json";
constexpr char kBoundary[] = "XyZzy42";

using Headers = std::vector<std::pair<std::string, std::string>>;

Request With(Request r, const Headers& headers) {
  r.headers.insert(r.headers.end(), headers.begin(), headers.end());
  return r;
}

// A multipart upload body: a form field, then a file.
std::string MultipartBody() {
  return absl::StrCat(
      "--", kBoundary, "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n", "hello\r\n--",
      kBoundary, "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"mp.txt\"\r\n",
      "Content-Type: text/plain\r\n\r\n", kFileContent, "\r\n--", kBoundary, "--\r\n");
}

void AddFileRequests(const CorpusSubjects& s, std::vector<CorpusRequest>& out) {
  const std::string file = "/api/v1/files/" + s.a_file;
  out.push_back({"get range", With(Make("GET", file, s.a), {{"Range", "bytes=0-10"}}), 206});
  out.push_back({"get suffix range", With(Make("GET", file, s.a), {{"Range", "bytes=-5"}}), 206});
  out.push_back(
      {"get multi range", With(Make("GET", file, s.a), {{"Range", "bytes=0-1, 4-5"}}), 200});
  out.push_back({"head range", With(Make("HEAD", file, s.a), {{"Range", "bytes=2-"}}), 206});
  out.push_back({"delete file", Make("DELETE", "/api/v1/files/" + s.a_victim, s.a), 204});
  out.push_back({"list", Make("GET", "/api/v1/files?prefix=a/&limit=2&cursor=", s.a), 200});
  out.push_back({"list with cursor",
                 Make("GET", "/api/v1/files?prefix=a&limit=1000&cursor=" + s.cursor, s.a), 200});
  out.push_back({"list with api key", Make("GET", "/api/v1/files?prefix=a/o", s.api_key), 200});
  out.push_back({"metadata get", Make("GET", file + "/metadata", s.a), 200});
  out.push_back({"metadata put",
                 Make("PUT", "/api/v1/files/" + s.a_file2 + "/metadata", s.a,
                      R"({"name":"a/renamed.txt","tags":{"team":"storage","k":"v"}})", kJson),
                 200});
  out.push_back({"file health", Make("GET", file + "/health", s.a), 200});
}

void AddUploads(const CorpusSubjects& s, std::vector<CorpusRequest>& out) {
  out.push_back(
      {"upload",
       Make("POST", "/api/v1/files?name=up/raw.bin&tags=k:v,x:y", s.a, kFileContent, "text/plain"),
       201});
  Request chunked =
      Make("POST", "/api/v1/files?name=up/chunked.bin", s.a, kFileContent, "text/plain");
  chunked.chunked = true;
  out.push_back({"upload chunked", chunked, 201});
  out.push_back({"upload multipart",
                 Make("POST", "/api/v1/files", s.a, MultipartBody(),
                      absl::StrCat("multipart/form-data; boundary=", kBoundary)),
                 201});
  out.push_back({"upload with headers",
                 With(Make("POST", "/api/v1/files?uploadId=up-1", s.a, kFileContent,
                           "application/octet-stream"),
                      {{"X-File-Name", "up/header.bin"},
                       {"X-DataMesh-Encryption", "client"},
                       {"X-Request-Id", "mutation-1"}}),
                 201});
}

void AddAuthRequests(const CorpusSubjects& s, std::vector<CorpusRequest>& out) {
  out.push_back(
      {"register",
       Make(
           "POST", "/api/v1/auth/register", "",
           R"({"username":"mutant_c","email":"mutant_c@example.com","password":"correct-horse-1"})",
           kJson),
       201});
  out.push_back({"login",
                 Make("POST", "/api/v1/auth/login", "",
                      R"({"username":"mutant_a","password":"correct-horse-1"})", kJson),
                 200});
  out.push_back({"profile", Make("GET", "/api/v1/auth/profile", s.a), 200});
  out.push_back({"api key create",
                 Make("POST", "/api/v1/auth/api-keys", s.a, R"({"name":"ci"})", kJson), 201});
  out.push_back({"api key list", Make("GET", "/api/v1/auth/api-keys", s.a), 200});
  out.push_back({"api key delete", Make("DELETE", "/api/v1/auth/api-keys/" + s.key_id, s.a), 204});
  out.push_back({"logout", Make("POST", "/api/v1/auth/logout", s.a_spare), 204});
}

void AddAdminRequests(const CorpusSubjects& s, std::vector<CorpusRequest>& out) {
  out.push_back(
      {"admin audit",
       Make(
           "GET",
           absl::StrCat("/api/v1/admin/audit?user=", s.a_id,
                        "&action=auth.&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&limit=10"),
           s.admin),
       200});
  out.push_back({"admin users", Make("GET", "/api/v1/admin/users?limit=5&cursor=", s.admin), 200});
  out.push_back(
      {"admin user tier",
       Make("PUT", "/api/v1/admin/users/" + s.b_id, s.admin, R"({"tier":"enterprise"})", kJson),
       200});
  out.push_back({"admin system", Make("GET", "/api/v1/admin/system", s.admin), 200});
  out.push_back({"admin job",
                 Make("GET", "/api/v1/admin/maintenance/" + std::string(32, '7'), s.admin), 404});
}

void AddSocketsAndProbes(const CorpusSubjects& s, std::vector<CorpusRequest>& out) {
  out.push_back({"websocket", Upgrade("/api/v1/ws?token=" + s.a, ""), 101});
  out.push_back({"websocket bearer", Upgrade("/api/v1/ws", s.b), 101});
  out.push_back({"healthz", Make("GET", "/healthz"), 200});
  out.push_back({"readyz", Make("GET", "/readyz"), 200});
  out.push_back({"openapi", Make("GET", "/api/v1/openapi.json"), 200});
}

// B reaching for A's file, and B's own listing.
void AddOtherUsersRequests(const CorpusSubjects& s, std::vector<CorpusRequest>& out) {
  const std::string file = "/api/v1/files/" + s.a_file;
  out.push_back({"other's file", Make("GET", file, s.b), 404});
  out.push_back({"other's metadata",
                 Make("PUT", file + "/metadata", s.b, R"({"name":"b/stolen.txt"})", kJson), 404});
  out.push_back({"other's delete", Make("DELETE", file, s.b), 404});
  out.push_back({"own list", Make("GET", "/api/v1/files?prefix=&limit=10", s.b), 200});
}

}  // namespace

std::vector<CorpusRequest> BuildCorpus(const CorpusSubjects& s) {
  std::vector<CorpusRequest> corpus;
  AddFileRequests(s, corpus);
  AddUploads(s, corpus);
  AddAuthRequests(s, corpus);
  AddAdminRequests(s, corpus);
  AddSocketsAndProbes(s, corpus);
  AddOtherUsersRequests(s, corpus);
  return corpus;
}

}  // namespace datamesh::e2e::mutation
