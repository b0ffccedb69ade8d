#include "tools/cli/password_input.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace datamesh::cli {
namespace {

// Reads one line from `fd` byte by byte (no buffering beyond the line).
std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

absl::StatusOr<std::string> PromptOnTerminal(const std::string& prompt) {
  const int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) {
    return absl::InvalidArgumentError(
        "no terminal to ask for the password on: use --password-stdin");
  }
  (void)!::write(tty, prompt.data(), prompt.size());
  termios saved{};
  const bool restore = ::tcgetattr(tty, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  std::string password = ReadLine(tty);
  if (restore) ::tcsetattr(tty, TCSAFLUSH, &saved);
  (void)!::write(tty, "\n", 1);
  ::close(tty);
  return password;
}

}  // namespace

absl::StatusOr<std::string> ReadPassword(bool from_stdin, const std::string& prompt) {
  absl::StatusOr<std::string> password =
      from_stdin ? absl::StatusOr<std::string>(ReadLine(STDIN_FILENO)) : PromptOnTerminal(prompt);
  if (password.ok() && password->empty()) return absl::InvalidArgumentError("empty password");
  return password;
}

}  // namespace datamesh::cli
