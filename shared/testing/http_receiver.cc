#include "shared/testing/http_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace datamesh::testing {

HttpReceiver::HttpReceiver() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 16) != 0) {
    return;  // Url() then names port 0 and every request fails visibly
  }
  socklen_t len = sizeof addr;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

HttpReceiver::~HttpReceiver() {
  stop_ = true;
  shutdown(fd_, SHUT_RDWR);  // wakes accept()
  close(fd_);
  if (thread_.joinable()) thread_.join();
}

std::string HttpReceiver::Url(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

void HttpReceiver::QueueStatus(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  statuses_.push_back(status);
}

std::vector<HttpReceiver::Request> HttpReceiver::Received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

void HttpReceiver::Serve() {
  while (!stop_) {
    const int c = accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    Handle(c);
    close(c);
  }
}

void HttpReceiver::Handle(int c) {
  std::string data;
  char buf[4096];
  while (true) {
    const ssize_t n = read(c, buf, sizeof buf);
    if (n <= 0) return;
    data.append(buf, n);
    const size_t header_end = data.find("\r\n\r\n");
    if (header_end == std::string::npos) continue;
    Request r;
    bool first = true;
    for (absl::string_view line : absl::StrSplit(data.substr(0, header_end), "\r\n")) {
      if (first) {
        std::vector<std::string> parts = absl::StrSplit(line, ' ');
        if (parts.size() >= 2) r.method = parts[0], r.path = parts[1];
        first = false;
        continue;
      }
      const size_t colon = line.find(':');
      if (colon == absl::string_view::npos) continue;
      r.headers[absl::AsciiStrToLower(line.substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    }
    size_t length = 0;
    (void)absl::SimpleAtoi(r.headers["content-length"], &length);
    if (data.size() < header_end + 4 + length) continue;
    r.body = data.substr(header_end + 4, length);
    int status = 200;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.pop_front();
      }
      received_.push_back(std::move(r));
    }
    const std::string answer =
        absl::StrCat("HTTP/1.1 ", status, " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    (void)write(c, answer.data(), answer.size());
    return;
  }
}

}  // namespace datamesh::testing
