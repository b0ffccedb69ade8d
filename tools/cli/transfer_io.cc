#include "tools/cli/transfer_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "tools/cli/os_error.h"

namespace datamesh::cli {
namespace {

// Reading the umask means setting it; the CLI is single-threaded, so restoring it is safe.
mode_t CurrentUmask() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  }
  return std::unique_ptr<FileSource>(new FileSource(fd, static_cast<uint64_t>(st.st_size), path));
}

FileSource::~FileSource() { ::close(fd_); }

absl::StatusOr<size_t> FileSource::Read(char* buffer, size_t n) {
  // One byte past the expected end is asked for, so growth is noticed too.
  const size_t want = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset_ + 1));
  ssize_t got;
  do {
    got = ::read(fd_, buffer, want);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return ErrnoStatus("cannot read", path_);
  offset_ += static_cast<uint64_t>(got);
  if (offset_ > size_ || (got == 0 && offset_ < size_)) {
    return absl::AbortedError(absl::StrCat(path_, " changed size while it was being sent"));
  }
  return static_cast<size_t>(got);
}

E2eSource::E2eSource(std::unique_ptr<UploadSource> plain, E2eEncryptor encryptor)
    : plain_(std::move(plain)),
      encryptor_(std::move(encryptor)),
      size_(E2eCiphertextSize(plain_->size(), encryptor_.chunk_size())),
      sealed_(encryptor_.header()) {}

absl::Status E2eSource::SealNextChunk() {
  const uint64_t remaining = plain_->size() - plain_read_;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(encryptor_.chunk_size(), remaining));
  std::string chunk(want, '\0');
  size_t filled = 0;
  while (filled < want) {
    absl::StatusOr<size_t> got = plain_->Read(chunk.data() + filled, want - filled);
    if (!got.ok()) return got.status();
    if (*got == 0) return absl::AbortedError("the file ended early while being encrypted");
    filled += *got;
  }
  plain_read_ += want;
  const bool final = plain_read_ == plain_->size();
  sealed_.clear();
  sealed_offset_ = 0;
  done_ = final;
  return encryptor_.SealChunk(chunk, final, &sealed_);
}

absl::StatusOr<size_t> E2eSource::Read(char* buffer, size_t n) {
  if (sealed_offset_ == sealed_.size()) {
    if (done_) return 0;
    if (absl::Status s = SealNextChunk(); !s.ok()) return s;
  }
  const size_t count = std::min(n, sealed_.size() - sealed_offset_);
  std::memcpy(buffer, sealed_.data() + sealed_offset_, count);
  sealed_offset_ += count;
  return count;
}

absl::StatusOr<std::unique_ptr<OutputFileSink>> OutputFileSink::Create(const std::string& path) {
  if (path == "-")
    return std::unique_ptr<OutputFileSink>(new OutputFileSink(STDOUT_FILENO, "", path));
  std::string tmp = path + ".datamesh-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return ErrnoStatus("cannot create a file beside", path);
  // mkstemp creates 0600; the result should look like any file the user creates.
  ::fchmod(fd, 0666 & ~CurrentUmask());
  return std::unique_ptr<OutputFileSink>(new OutputFileSink(fd, std::move(tmp), path));
}

OutputFileSink::~OutputFileSink() {
  if (tmp_.empty()) return;
  ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

absl::Status OutputFileSink::Write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoStatus("cannot write", tmp_.empty() ? "stdout" : tmp_);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status OutputFileSink::Commit() {
  if (tmp_.empty()) return absl::OkStatus();
  if (::fsync(fd_) != 0) return ErrnoStatus("cannot write", tmp_);
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return ErrnoStatus("cannot create", path_);
  committed_ = true;
  return absl::OkStatus();
}

absl::Status ContentSink::Decide() {
  decided_ = true;
  if (raw_ || !LooksLikeE2e(prefix_)) return absl::OkStatus();
  absl::StatusOr<std::string> key = load_key_();
  if (!key.ok()) {
    return absl::DataLossError(absl::StrCat(
        "the file is end-to-end encrypted but no key is available: ", key.status().message()));
  }
  absl::StatusOr<E2eDecryptor> decryptor = E2eDecryptor::Create(*key);
  if (!decryptor.ok()) return absl::DataLossError(decryptor.status().message());
  decryptor_.emplace(std::move(*decryptor));
  return absl::OkStatus();
}

absl::Status ContentSink::Forward(std::string_view data) {
  if (!decryptor_) return out_->Write(data);
  plain_.clear();
  if (absl::Status s = decryptor_->Update(data, &plain_); !s.ok()) return s;
  return plain_.empty() ? absl::OkStatus() : out_->Write(plain_);
}

absl::Status ContentSink::Write(std::string_view data) {
  if (decided_) return Forward(data);
  prefix_.append(data);
  if (prefix_.size() < kE2eMagic.size()) return absl::OkStatus();
  if (absl::Status s = Decide(); !s.ok()) return s;
  std::string held = std::move(prefix_);
  prefix_.clear();
  return Forward(held);
}

absl::Status ContentSink::Finish() {
  if (!decided_) {
    if (absl::Status s = Decide(); !s.ok()) return s;
    std::string held = std::move(prefix_);
    prefix_.clear();
    if (absl::Status s = Forward(held); !s.ok()) return s;
  }
  if (!decryptor_) return absl::OkStatus();
  plain_.clear();
  if (absl::Status s = decryptor_->Finish(&plain_); !s.ok()) return s;
  return plain_.empty() ? absl::OkStatus() : out_->Write(plain_);
}

}  // namespace datamesh::cli
