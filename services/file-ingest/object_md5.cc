#include "services/file-ingest/object_md5.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"

namespace datamesh::file_ingest {

absl::StatusOr<std::unique_ptr<Md5Stream>> Md5Stream::Create() {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return absl::InternalError("EVP_MD_CTX_new failed");
  if (EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    return absl::InternalError("MD5 is not available from OpenSSL");
  }
  return std::unique_ptr<Md5Stream>(new Md5Stream(ctx));
}

Md5Stream::~Md5Stream() { EVP_MD_CTX_free(ctx_); }

void Md5Stream::Update(std::string_view data) {
  if (failed_ || data.empty()) return;
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) failed_ = true;
}

absl::StatusOr<std::string> Md5Stream::FinishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (failed_ || EVP_DigestFinal_ex(ctx_, digest, &size) != 1) {
    return absl::InternalError("MD5 computation failed");
  }
  return absl::BytesToHexString(std::string(reinterpret_cast<const char*>(digest), size));
}

}  // namespace datamesh::file_ingest
