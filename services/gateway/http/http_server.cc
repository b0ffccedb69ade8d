#include "services/gateway/http/http_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "services/gateway/http/server_internal.h"

namespace datamesh::gateway::http {
namespace internal {

uint64_t ConnectionTracker::Add(std::weak_ptr<Closable> connection, size_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || live_.size() >= max) return 0;
  const uint64_t id = next_id_++;
  live_.emplace(id, std::move(connection));
  return id;
}

void ConnectionTracker::Remove(uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    live_.erase(id);
  }
  cv_.notify_all();
}

void ConnectionTracker::CloseAll(bool force) {
  std::vector<std::shared_ptr<Closable>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    for (auto& [id, weak] : live_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  // Outside the lock: dropping the last reference here may run a destructor that calls Remove.
  for (auto& c : live) c->Shutdown(force);
}

bool ConnectionTracker::WaitEmpty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (deadline == std::chrono::steady_clock::time_point::max()) {
    cv_.wait(lock, [this] { return live_.empty(); });
    return true;
  }
  return cv_.wait_until(lock, deadline, [this] { return live_.empty(); });
}

}  // namespace internal

namespace {

absl::StatusOr<internal::tcp::endpoint> ParseBindAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError("bind address must be host:port: " + address);
  }
  std::string host = address.substr(0, colon);
  const std::string port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  char* end = nullptr;
  const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port > 65535) {
    return absl::InvalidArgumentError("bad port in bind address: " + address);
  }
  boost::system::error_code ec;
  const auto ip = host.empty() ? internal::net::ip::address_v4::any()
                               : internal::net::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError("bad host in bind address: " + address);
  return internal::tcp::endpoint(ip, static_cast<uint16_t>(port));
}

void RaiseOpenFileLimit(size_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  // Each connection is a descriptor; the process needs more for gRPC channels, NATS and logs.
  limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(wanted) + 1024);
  (void)setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Options options, Router router) : acceptor_(ioc_) {
    ctx_.options = std::move(options);
    ctx_.router = std::move(router);
  }

  absl::Status Start();
  void Stop(std::chrono::steady_clock::time_point deadline);
  uint16_t port() const { return port_; }
  HttpServer::Stats stats() const;

 private:
  void DoAccept();

  // Declared before the io_context so it outlives the handlers the io_context destroys.
  internal::ServerContext ctx_;
  internal::net::io_context ioc_;
  internal::tcp::acceptor acceptor_;
  internal::net::steady_timer accept_pause_{ioc_};
  // While a handler runs on a worker its connection has no pending I/O; without this guard the
  // io_context would stop itself once the acceptor closes, stranding that connection.
  std::optional<internal::net::executor_work_guard<internal::net::io_context::executor_type>>
      work_guard_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<WorkerPool> probes_;
  std::vector<std::thread> io_threads_;
  uint16_t port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

absl::Status HttpServer::Impl::Start() {
  if (started_) return absl::FailedPreconditionError("HttpServer already started");
  auto endpoint = ParseBindAddress(ctx_.options.bind_address);
  if (!endpoint.ok()) return endpoint.status();
  boost::system::error_code ec;
  acceptor_.open(endpoint->protocol(), ec);
  if (!ec) acceptor_.set_option(internal::net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(*endpoint, ec);
  if (!ec) acceptor_.listen(internal::net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen on " + ctx_.options.bind_address + ": " +
                                  ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  started_ = true;
  RaiseOpenFileLimit(ctx_.options.max_connections);
  workers_ = std::make_unique<WorkerPool>(
      WorkerPool::Options{.min_threads = ctx_.options.min_handler_threads,
                          .max_threads = std::max<size_t>(1, ctx_.options.max_handler_threads)});
  probes_ = std::make_unique<WorkerPool>(
      WorkerPool::Options{.min_threads = std::max<size_t>(1, ctx_.options.probe_threads),
                          .max_threads = std::max<size_t>(1, ctx_.options.probe_threads)});
  ctx_.workers = workers_.get();
  ctx_.probes = probes_.get();
  work_guard_.emplace(ioc_.get_executor());
  DoAccept();
  const size_t n = std::max<size_t>(1, ctx_.options.io_threads);
  for (size_t i = 0; i < n; ++i) io_threads_.emplace_back([this] { ioc_.run(); });
  return absl::OkStatus();
}

void HttpServer::Impl::DoAccept() {
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor_.async_accept(internal::net::make_strand(ioc_), [this](boost::system::error_code ec,
                                                                  internal::tcp::socket socket) {
    if (ec == internal::net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      internal::StartHttpConnection(ctx_, std::move(socket));
      return DoAccept();
    }
    // Out of file descriptors (or another passing failure): the pending connection stays in the
    // backlog, so accepting again at once would spin. Wait a moment; connections closing in the
    // meantime free descriptors.
    accept_pause_.expires_after(std::chrono::milliseconds(50));
    accept_pause_.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && acceptor_.is_open()) DoAccept();
    });
  });
}

void HttpServer::Impl::Stop(std::chrono::steady_clock::time_point deadline) {
  if (!started_ || stopped_) return;
  stopped_ = true;
  ctx_.stopping = true;
  // The acceptor belongs to no strand but is only touched by the accept handler, which
  // checks is_open(); closing through post keeps that on an I/O thread.
  internal::net::post(ioc_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_pause_.cancel();
  });
  ctx_.tracker.CloseAll(/*force=*/false);
  if (!ctx_.tracker.WaitEmpty(deadline)) {
    ctx_.tracker.CloseAll(/*force=*/true);
    ctx_.tracker.WaitEmpty(std::chrono::steady_clock::time_point::max());
  }
  workers_->Join();
  probes_->Join();
  work_guard_.reset();
  ioc_.stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
}

HttpServer::HttpServer(Options options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

HttpServer::~HttpServer() { impl_->Stop(std::chrono::steady_clock::now()); }

absl::Status HttpServer::Start() { return impl_->Start(); }

void HttpServer::Stop(std::chrono::steady_clock::time_point deadline) { impl_->Stop(deadline); }

uint16_t HttpServer::port() const { return impl_->port(); }

HttpServer::Stats HttpServer::Impl::stats() const {
  Stats s;
  s.connections_open = ctx_.connections_open.load();
  s.connections_refused = ctx_.connections_refused.load();
  s.slow_clients_cut = ctx_.slow_clients_cut.load();
  s.timeouts = ctx_.timeouts.load();
  if (workers_ != nullptr) {
    s.handler_threads = workers_->threads();
    s.handlers_busy = workers_->busy();
    s.handlers_queued = workers_->queued();
  }
  return s;
}

HttpServer::Stats HttpServer::stats() const { return impl_->stats(); }

}  // namespace datamesh::gateway::http
