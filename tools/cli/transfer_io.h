// Upload sources and download sinks for file transfers: plain files, files encrypted on the fly
// into the e2e format (e2e_format.h), output files that appear only once complete, and a sink
// that recognises e2e content and decrypts it.
//
// Each object serves one transfer on one thread. Files are read and written in pieces; nothing
// holds a whole file in memory (at most one e2e chunk plus curl's buffer).
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "tools/cli/e2e_format.h"
#include "tools/cli/http_client.h"

namespace datamesh::cli {

// A local file, read front to back. The size is taken when opened; a file that changes size
// while being read fails the transfer (kAborted) instead of sending an inconsistent body.
class FileSource : public UploadSource {
 public:
  // kNotFound when missing; kFailedPrecondition when not a readable regular file.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FileSource>> Open(const std::string& path);
  ~FileSource() override;

  uint64_t size() const override { return size_; }
  absl::StatusOr<size_t> Read(char* buffer, size_t n) override;

 private:
  FileSource(int fd, uint64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_;
  uint64_t size_;
  uint64_t offset_ = 0;
  std::string path_;
};

// Encrypts another source into the e2e format as it is read.
class E2eSource : public UploadSource {
 public:
  E2eSource(std::unique_ptr<UploadSource> plain, E2eEncryptor encryptor);

  uint64_t size() const override { return size_; }
  absl::StatusOr<size_t> Read(char* buffer, size_t n) override;

 private:
  absl::Status SealNextChunk();

  std::unique_ptr<UploadSource> plain_;
  E2eEncryptor encryptor_;
  uint64_t size_;
  uint64_t plain_read_ = 0;
  std::string sealed_;  // sealed bytes not yet handed out
  size_t sealed_offset_ = 0;
  bool done_ = false;
};

// Writes to a temporary file beside `path`; Commit() renames it into place. Destroyed without
// a Commit() (any failure), the temporary file is removed: no partial output is ever left.
// `path` "-" writes to stdout instead (then partial output cannot be taken back).
class OutputFileSink : public DownloadSink {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<OutputFileSink>> Create(
      const std::string& path);
  ~OutputFileSink() override;

  absl::Status Write(std::string_view data) override;
  [[nodiscard]] absl::Status Commit();

 private:
  OutputFileSink(int fd, std::string tmp, std::string path)
      : fd_(fd), tmp_(std::move(tmp)), path_(std::move(path)) {}
  int fd_;
  std::string tmp_;  // empty for stdout
  std::string path_;
  bool committed_ = false;
};

// Passes content through, or — when it starts with the e2e header and `raw` is false —
// decrypts it with the key from `load_key` (called only then). Finish() must be called at the
// end of the body: it verifies the final chunk.
class ContentSink : public DownloadSink {
 public:
  using KeyLoader = std::function<absl::StatusOr<std::string>()>;
  ContentSink(DownloadSink* out, KeyLoader load_key, bool raw)
      : out_(out), load_key_(std::move(load_key)), raw_(raw) {}

  absl::Status Write(std::string_view data) override;
  // kDataLoss when e2e content does not verify (or no key is available for it).
  [[nodiscard]] absl::Status Finish();
  bool decrypted() const { return decryptor_.has_value(); }

 private:
  absl::Status Decide();
  absl::Status Forward(std::string_view data);

  DownloadSink* out_;
  KeyLoader load_key_;
  bool raw_;
  bool decided_ = false;
  std::string prefix_;  // bytes held back until the header can be recognised
  std::optional<E2eDecryptor> decryptor_;
  std::string plain_;
};

}  // namespace datamesh::cli
