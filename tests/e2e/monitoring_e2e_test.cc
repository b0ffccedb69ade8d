// The monitoring service on the whole stack, through the gateway as an admin (or a Grafana data
// source with an API key) uses it: every service instance discovered from heartbeats and
// scraped every second (DM_SCRAPE_INTERVAL), `up` and rates in the Prometheus API, the
// /monitoring/metrics snapshot and series, imported samples, role and input checks, and a
// killed chunk-store going down and then disappearing.
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "shared/testing/status_matchers.h"
#include "shared/testing/test_stack.h"
#include "shared/testing/wait_for.h"
#include "tests/e2e/e2e_util.h"

namespace datamesh {
namespace {

using ::datamesh::testing::TestStack;
using e2e::List;
using e2e::Obj;
using e2e::Reply;
using e2e::Str;
using google::protobuf::Struct;
namespace fs = std::filesystem;

constexpr char kPrometheus[] = "/monitoring/prometheus/api/v1";

class MonitoringE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Every service reads its flags from DM_* variables: monitoring scrapes every second and
    // writes its heads behind every two.
    setenv("DM_SCRAPE_INTERVAL", "1s", 1);
    setenv("DM_FLUSH_INTERVAL", "2s", 1);
    auto stack = TestStack::Start({.services = true, .chunk_stores = 6});
    ASSERT_OK(stack);
    stack_ = stack->release();
    dir_ = new fs::path(fs::path(stack_->dir()) / "e2e-monitoring");
    fs::create_directories(*dir_);
    admin_ = new std::string(Login("admin", std::string(absl::StripAsciiWhitespace(e2e::ReadFile(
                                                fs::path(stack_->dir()) / "admin-password")))));
    // The free tier allows 100 API calls an hour; a dashboard (and this suite's polling) needs
    // more: the admin is moved to the unlimited tier, as an operator would.
    e2e::WriteFile(*dir_ / "tier.json", R"({"tier":"enterprise"})");
    Reply tier = Api("PUT", "/admin/users/" + *admin_id_, *admin_,
                     {"-H 'Content-Type: application/json'",
                      "--data-binary @" + e2e::Quote((*dir_ / "tier.json").string())});
    ASSERT_EQ(tier.code, 200) << tier.body;
    Reply reg = Json(
        "POST", "/auth/register",
        R"({"username":"watcher","email":"watcher@example.com","password":"correct-horse-1"})");
    ASSERT_EQ(reg.code, 201) << reg.body;
    user_ = new std::string(Login("watcher", "correct-horse-1"));
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    delete dir_;
    delete admin_;
    delete admin_id_;
    delete user_;
  }

  static Reply Api(const std::string& method, const std::string& path, const std::string& token,
                   const std::vector<std::string>& args = {}) {
    return e2e::CurlHttp(*dir_).Call(method, stack_->Env("DM_GATEWAY_URL") + "/api/v1" + path, args,
                                     token);
  }
  static Reply Json(const std::string& method, const std::string& path, const std::string& body) {
    e2e::WriteFile(*dir_ / "req.json", body);
    return Api(method, path, "",
               {"-H 'Content-Type: application/json'",
                "--data-binary @" + e2e::Quote((*dir_ / "req.json").string())});
  }
  static std::string Login(const std::string& user, const std::string& password) {
    Reply r = Json("POST", "/auth/login",
                   absl::StrCat(R"({"username":")", user, R"(","password":")", password, R"("})"));
    EXPECT_EQ(r.code, 200) << r.body;
    if (user == "admin") admin_id_ = new std::string(Str(Obj(r.Json(), "user"), "id"));
    return Str(r.Json(), "token");
  }

  // Polls every half second (each poll is an API call) until `done` or the timeout.
  template <typename F>
  static bool Poll(F done, int seconds) {
    return testing::WaitFor(done, absl::Seconds(seconds), absl::Milliseconds(500));
  }

  // A Prometheus API call with form-encoded parameters (GET query string, or POST body).
  static Reply Prom(const std::string& endpoint, const std::map<std::string, std::string>& params,
                    const std::string& method = "GET", const std::string& token = *admin_) {
    std::vector<std::string> args = {method == "GET" ? "-G" : ""};
    for (const auto& [k, v] : params) args.push_back("--data-urlencode " + e2e::Quote(k + "=" + v));
    return Api(method, std::string(kPrometheus) + endpoint, token, args);
  }

  // The vector answer of an instant query: label set -> value.
  static std::map<std::string, double> Instant(const std::string& query) {
    Reply r = Prom("/query", {{"query", query}});
    std::map<std::string, double> out;
    if (r.code != 200) {
      ADD_FAILURE() << r.body;
      return out;
    }
    const Struct body = r.Json();
    EXPECT_EQ(Str(body, "status"), "success") << r.body;
    EXPECT_EQ(Str(Obj(body, "data"), "resultType"), "vector") << r.body;
    for (const Struct& s : List(Obj(body, "data"), "result")) {
      const std::map<std::string, google::protobuf::Value> sorted(Obj(s, "metric").fields().begin(),
                                                                  Obj(s, "metric").fields().end());
      std::string key;
      for (const auto& [k, v] : sorted) absl::StrAppend(&key, k, "=", v.string_value(), ",");
      double value = 0;
      const auto& pair = s.fields().at("value").list_value();
      EXPECT_TRUE(absl::SimpleAtod(pair.values(1).string_value(), &value)) << r.body;
      out[key] = value;
    }
    return out;
  }

  static TestStack* stack_;
  static fs::path* dir_;
  static std::string* admin_;
  static std::string* admin_id_;
  static std::string* user_;
};
TestStack* MonitoringE2eTest::stack_ = nullptr;
fs::path* MonitoringE2eTest::dir_ = nullptr;
std::string* MonitoringE2eTest::admin_ = nullptr;
std::string* MonitoringE2eTest::admin_id_ = nullptr;
std::string* MonitoringE2eTest::user_ = nullptr;

TEST_F(MonitoringE2eTest, EveryServiceInstanceIsScrapedAndUp) {
  std::map<std::string, double> up;
  EXPECT_TRUE(Poll(
      [&] {
        up = Instant("up{service=\"chunk-store\"}");
        return up.size() == 6 &&
               std::all_of(up.begin(), up.end(), [](auto& kv) { return kv.second == 1; });
      },
      60))
      << up.size() << " chunk-stores up";
  for (int i = 1; i <= 6; ++i) {
    EXPECT_EQ(
        up.count(absl::StrCat("__name__=up,instance=chunk-store-", i, ",service=chunk-store,")), 1u)
        << i;
  }
  std::map<std::string, double> by_service;
  EXPECT_TRUE(Poll(
      [&] {
        by_service = Instant("sum by (service) (up)");
        return by_service.size() == 8;
      },
      30));
  EXPECT_EQ(by_service["service=chunk-store,"], 6);
  for (const char* s :
       {"auth", "quota", "file-ingest", "dht", "monitoring", "governance", "gateway"}) {
    EXPECT_EQ(by_service[absl::StrCat("service=", s, ",")], 1) << s;
  }
}

TEST_F(MonitoringE2eTest, RatesOfTheServicesCountersAreServed) {
  // The gateway checks every service's health each second: dht's handled-call counter grows.
  std::map<std::string, double> rate;
  EXPECT_TRUE(Poll(
      [&] {
        rate = Instant("sum(rate(datamesh_grpc_server_handled_total{service=\"dht\"}[30s]))");
        return rate.size() == 1 && rate.begin()->second > 0;
      },
      60));
  // The same as a range query, posted as a form as Grafana posts it: once 20 s of samples
  // exist, dht's series has a point every 5 s.
  Reply r;
  EXPECT_TRUE(Poll(
      [&] {
        const int64_t now = absl::ToUnixSeconds(absl::Now());
        r = Prom("/query_range",
                 {{"query", "sum by (service) (rate(datamesh_grpc_server_handled_total[30s]))"},
                  {"start", std::to_string(now - 20)},
                  {"end", std::to_string(now)},
                  {"step", "5s"}},
                 "POST");
        if (r.code != 200) return false;
        const Struct data = Obj(r.Json(), "data");
        if (Str(data, "resultType") != "matrix") return false;
        for (const Struct& s : List(data, "result")) {
          if (Str(Obj(s, "metric"), "service") == "dht") {
            return s.fields().at("values").list_value().values_size() == 5;
          }
        }
        return false;
      },
      60))
      << r.body;
}

TEST_F(MonitoringE2eTest, MetricsSnapshotAndSeries) {
  Reply snap;
  EXPECT_TRUE(Poll(
      [&] {
        snap = Api("GET", "/monitoring/metrics?prefix=up&label=service:chunk-store", *admin_);
        return snap.code == 200 && List(snap.Json(), "metrics").size() == 6;
      },
      30))
      << snap.body;
  for (const Struct& m : List(snap.Json(), "metrics")) {
    EXPECT_EQ(Str(m, "name"), "up");
    EXPECT_EQ(Str(Obj(m, "labels"), "service"), "chunk-store");
    EXPECT_EQ(m.fields().at("value").number_value(), 1);
  }
  // Chunk-stores' up, the maximum per 5 s step over the last 30 s, one series for them all:
  // once 15 s of samples exist, at least three points.
  int64_t now = 0;
  Reply series;
  std::vector<Struct> list;
  EXPECT_TRUE(Poll(
      [&] {
        now = absl::ToUnixSeconds(absl::Now());
        series = Api("GET",
                     absl::StrCat("/monitoring/metrics?name=up&label=service:chunk-store"
                                  "&groupBy=service&aggregation=max&step=5s&from=",
                                  now - 30, "&to=", now),
                     *admin_);
        list = List(series.Json(), "series");
        return series.code == 200 && list.size() == 1 &&
               list[0].fields().at("points").list_value().values_size() >= 3;
      },
      60))
      << series.body;
  ASSERT_EQ(list.size(), 1u) << series.body;
  EXPECT_EQ(Obj(list[0], "labels").fields().size(), 1u);
  EXPECT_EQ(Str(Obj(list[0], "labels"), "service"), "chunk-store");
  const auto& points = list[0].fields().at("points").list_value();
  EXPECT_GE(points.values_size(), 3) << series.body;
  for (const auto& p : points.values()) {
    EXPECT_EQ(p.list_value().values(1).number_value(), 1) << series.body;
    EXPECT_GE(p.list_value().values(0).number_value(), now - 30);
  }
  Reply bad = Api("GET", "/monitoring/metrics?name=up&aggregation=median", *admin_);
  EXPECT_EQ(bad.code, 400) << bad.body;
  EXPECT_EQ(bad.ErrorCode(), "INVALID_ARGUMENT");
}

TEST_F(MonitoringE2eTest, SeriesLabelsAndLabelValues) {
  Reply r = Prom("/series", {{"match[]", "up{service=\"dht\"}"}});
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"status":"success","data":[{"__name__":"up","instance":"dht","service":"dht"}]})");
  r = Prom("/labels", {{"match[]", "up"}});
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.body, R"({"status":"success","data":["__name__","instance","service"]})");
  r = Prom("/label/service/values", {});
  ASSERT_EQ(r.code, 200) << r.body;
  for (const char* s : {"\"chunk-store\"", "\"gateway\"", "\"monitoring\""}) {
    EXPECT_NE(r.body.find(s), std::string::npos) << r.body;
  }
}

TEST_F(MonitoringE2eTest, ImportedSamplesAreStoredAndQueryable) {
  e2e::WriteFile(*dir_ / "import.txt",
                 "# TYPE e2e_imported_total counter\n"
                 "e2e_imported_total{shard=\"a\"} 10 1700000000000\n"
                 "e2e_imported_total{shard=\"a\"} 25 1700000015000\n"
                 "e2e_imported_total{shard=\"b\"} 7 1700000015000\n");
  const std::string body = "--data-binary @" + e2e::Quote((*dir_ / "import.txt").string());
  Reply r = Api("POST", "/monitoring/import", *admin_, {"-H 'Content-Type: text/plain'", body});
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Str(r.Json(), "samplesStored"), "3");
  EXPECT_EQ(Str(r.Json(), "series"), "2");
  r = Api("POST", "/monitoring/import", *admin_, {body});  // the same again: all refused
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Str(r.Json(), "samplesStored"), "0");
  EXPECT_EQ(Str(r.Json(), "samplesRefused"), "3");
  r = Prom("/query", {{"query", "sum(e2e_imported_total)"}, {"time", "1700000015"}});
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000015,"32"]}]}})");
  e2e::WriteFile(*dir_ / "bad.txt", "e2e_bad{a=\"1\"} 1\nnot a sample\n");
  r = Api("POST", "/monitoring/import", *admin_,
          {"--data-binary @" + e2e::Quote((*dir_ / "bad.txt").string())});
  EXPECT_EQ(r.code, 400) << r.body;
  EXPECT_TRUE(Instant("e2e_bad").empty());  // nothing of a bad body is stored
}

TEST_F(MonitoringE2eTest, RefusesNonAdminsBadQueriesAndWhatIsNotBuilt) {
  for (const std::string& path :
       {std::string(kPrometheus) + "/query?query=up", std::string("/monitoring/metrics")}) {
    Reply r = Api("GET", path, *user_);
    EXPECT_EQ(r.code, 403) << path << " " << r.body;
    EXPECT_EQ(r.ErrorCode(), "PERMISSION_DENIED");
    EXPECT_EQ(Api("GET", path, "").code, 401) << path;
  }
  EXPECT_EQ(Api("POST", "/monitoring/import", *user_, {"--data-binary 'x 1'"}).code, 403);

  Reply r = Prom("/query", {{"query", "sum(rate(up[5m])"}});
  EXPECT_EQ(r.code, 400) << r.body;
  const Struct err = r.Json();
  EXPECT_EQ(Str(err, "status"), "error");
  EXPECT_EQ(Str(err, "errorType"), "bad_data");
  EXPECT_EQ(Str(err, "error").rfind("invalid parameter \"query\": 1:", 0), 0u) << r.body;
  EXPECT_EQ(err.fields().size(), 3u) << r.body;
  r = Prom("/query_range", {{"query", "up"}, {"start", "10"}, {"end", "0"}, {"step", "1"}});
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"end\": end timestamp must not be before start time"})");
  // Valid PromQL that fails on the data: many series on each side of a one-to-one match.
  r = Prom("/query", {{"query", "up + on() up"}});
  EXPECT_EQ(r.code, 422) << r.body;
  EXPECT_EQ(Str(r.Json(), "errorType"), "execution") << r.body;

}

TEST_F(MonitoringE2eTest, AnalyticsOnAFreshStackSaysWhatItCannotComputeYet) {
  // Minutes of samples against a 7-day window: every trend and pattern is "not enough data",
  // with the counts, never a made-up figure.
  Reply r = Api("GET", "/monitoring/analytics", *admin_);
  ASSERT_EQ(r.code, 200) << r.body;
  const Struct body = r.Json();
  EXPECT_TRUE(List(body, "trends").empty()) << r.body;
  std::set<std::string> gaps;
  for (const Struct& g : List(body, "insufficientData")) {
    gaps.insert(Str(g, "section") + "/" + Str(g, "item"));
    if (Str(g, "section") == "trends") {
      EXPECT_EQ(Str(g, "reason").rfind("not enough data (", 0), 0u) << r.body;
    }
  }
  for (const char* gap : {"trends/storage", "trends/bandwidth", "trends/requests",
                          "patterns/hour_of_day", "patterns/weekday"}) {
    EXPECT_TRUE(gaps.contains(gap)) << gap << " in " << r.body;
  }
  Reply csv = Api("GET", "/monitoring/analytics?format=csv&section=trends", *admin_);
  ASSERT_EQ(csv.code, 200) << csv.body;
  EXPECT_EQ(csv.headers["content-type"], "text/csv; charset=utf-8");
  EXPECT_EQ(csv.headers["content-disposition"],
            "attachment; filename=\"datamesh-analytics-trends.csv\"");
  EXPECT_EQ(csv.body.rfind("section,item,figure,value,unit,query,note\r\n", 0), 0u) << csv.body;
  EXPECT_NE(csv.body.find("trends,storage,not_enough_data,"), std::string::npos) << csv.body;
  EXPECT_EQ(Api("GET", "/monitoring/analytics?window=5m", *admin_).code, 400);
  EXPECT_EQ(Api("GET", "/monitoring/analytics?format=xml", *admin_).code, 400);
  EXPECT_EQ(Api("GET", "/monitoring/analytics", *user_).code, 403);
}

TEST_F(MonitoringE2eTest, AKilledChunkStoreGoesDownThenDisappears) {
  ASSERT_TRUE(Poll([&] { return Instant("up{instance=\"chunk-store-4\"} == 1").size() == 1; }, 60));
  ASSERT_OK(stack_->Devstack("kill-instance chunk-store-4"));
  // Scrapes fail at once (up 0); once its heartbeats are three intervals old the target is
  // dropped and its series end with a staleness marker.
  bool saw_down = false;
  EXPECT_TRUE(Poll(
      [&] {
        const auto up = Instant("up{instance=\"chunk-store-4\"}");
        if (!up.empty() && up.begin()->second == 0) saw_down = true;
        return up.empty();
      },
      60));
  EXPECT_TRUE(saw_down) << "up never showed 0 before the target disappeared";
  EXPECT_EQ(Instant("sum(up{service=\"chunk-store\"})").begin()->second, 5);
}

}  // namespace
}  // namespace datamesh
