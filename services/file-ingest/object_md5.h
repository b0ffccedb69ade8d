// Streaming MD5 of an upload's bytes: the S3 ETag of a single PUT. Only uploads that ask for it
// (UploadHeader.compute_md5) create one, so REST uploads pay nothing.
//
// MD5 is used here only because S3 clients compare ETags with it; nothing in DataMesh relies
// on it for integrity (SHA-256 and the GCM tags do that).
//
// Not thread-safe: one per upload, fed from the thread that reads the stream.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

struct evp_md_ctx_st;

namespace datamesh::file_ingest {

class Md5Stream {
 public:
  // INTERNAL when OpenSSL cannot provide MD5 (e.g. a FIPS-only build).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Md5Stream>> Create();
  ~Md5Stream();
  Md5Stream(const Md5Stream&) = delete;
  Md5Stream& operator=(const Md5Stream&) = delete;

  // Appends bytes; an OpenSSL failure is remembered and reported by FinishHex().
  void Update(std::string_view data);
  // 32 lowercase hex characters of everything passed to Update(). Call once.
  [[nodiscard]] absl::StatusOr<std::string> FinishHex();

 private:
  explicit Md5Stream(evp_md_ctx_st* ctx) : ctx_(ctx) {}
  evp_md_ctx_st* ctx_;
  bool failed_ = false;
};

}  // namespace datamesh::file_ingest
