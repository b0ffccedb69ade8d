// HttpReceiver: a small HTTP/1.1 server on a free loopback port that records every request
// (method, path, headers, body) and answers each with the next queued status (200 when none is
// queued). Stands in for a webhook receiver in tests. One connection at a time, one request per
// connection (it answers with Connection: close).
//
// Thread-safe: the accessors may be called while it serves. The destructor stops and joins.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace datamesh::testing {

class HttpReceiver {
 public:
  struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
  };

  HttpReceiver();
  ~HttpReceiver();
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  // http://127.0.0.1:<port><path>
  std::string Url(const std::string& path) const;
  void QueueStatus(int status);
  std::vector<Request> Received() const;

 private:
  void Serve();
  void Handle(int connection);

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::deque<int> statuses_;
  std::vector<Request> received_;
  std::thread thread_;
};

}  // namespace datamesh::testing
