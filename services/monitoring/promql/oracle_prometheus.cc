#include "services/monitoring/promql/oracle_prometheus.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/monitoring/exposition/text_util.h"

namespace datamesh::monitoring::promql::oracle {
namespace {

namespace fs = std::filesystem;

// Starts argv with stdout and stderr appended to `log`; the pid, or -1. The child gets SIGTERM
// when the test process dies, so a crashed test leaves no Prometheus behind.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe calls until exec.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(127);  // the parent is already gone
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  execvp(args[0], args.data());
  _exit(127);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool OnPath(const std::string& tool) {
  return std::system(("command -v " + tool + " > /dev/null 2>&1").c_str()) == 0;
}

// A port the kernel just handed out on 127.0.0.1 (closed again, so Prometheus can bind it).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

absl::StatusOr<std::string> HttpGet(const std::string& url) {
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return absl::UnavailableError(Cat(url, ": ", curl_easy_strerror(rc)));
  return body;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrometheusServer>> PrometheusServer::Start(
    const std::string& work_dir, const std::string& openmetrics_file) {
  for (const char* tool : {"promtool", "prometheus"}) {
    if (!OnPath(tool)) {
      return absl::FailedPreconditionError(
          Cat(tool, " is not installed: run tools/deps.sh (Debian package prometheus)"));
    }
  }
  fs::remove_all(work_dir);
  fs::create_directories(work_dir + "/tsdb");
  const std::string log = work_dir + "/prometheus.log";
  const pid_t promtool = Spawn({"promtool", "tsdb", "create-blocks-from", "openmetrics",
                                openmetrics_file, work_dir + "/tsdb"},
                               log);
  int status = 0;
  if (promtool < 0 || waitpid(promtool, &status, 0) != promtool || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return absl::InternalError(Cat("promtool tsdb create-blocks-from failed:\n", ReadFile(log)));
  }
  std::ofstream(work_dir + "/prometheus.yml") << "global:\n  scrape_interval: 15s\n";
  // A fresh port per attempt: another process may take the one just found before Prometheus
  // binds it.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int port = FreePort();
    const pid_t pid =
        Spawn({"prometheus", "--config.file=" + work_dir + "/prometheus.yml",
               "--storage.tsdb.path=" + work_dir + "/tsdb", "--storage.tsdb.retention.time=100y",
               Cat("--web.listen-address=127.0.0.1:", port), "--log.level=warn"},
              log);
    if (pid < 0) return absl::InternalError("cannot start prometheus");
    std::unique_ptr<PrometheusServer> server(new PrometheusServer(pid, port));
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      absl::StatusOr<std::string> ready = server->Get("/-/ready");
      if (ready.ok() && ready->find("Ready") != std::string::npos) return server;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        server->pid_ = -1;  // exited: try another port
        break;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  return absl::InternalError(Cat("prometheus did not become ready:\n", ReadFile(log)));
}

PrometheusServer::~PrometheusServer() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  int status = 0;
  while (absl::Now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) return;
    absl::SleepFor(absl::Milliseconds(100));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
}

absl::StatusOr<std::string> PrometheusServer::Get(const std::string& path_and_query) const {
  return HttpGet(Cat("http://127.0.0.1:", port_, path_and_query));
}

}  // namespace datamesh::monitoring::promql::oracle
