// FileClient: the benchmarks' FileService client (file-ingest over gRPC) with a fresh owner and
// key pair, uploading deterministic content (bench_content.h) and checking every downloaded
// byte against it.
#pragma once

#include <cstring>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "datamesh/file/v1/file.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "tools/bench/bench_content.h"

namespace datamesh::bench {

namespace filev1 = datamesh::file::v1;

struct Identity {
  std::string owner_id;
  std::string public_key;
  std::string private_key;
};

// One FileService client. The stub is thread-safe; each call uses the caller's scratch buffer.
class FileClient {
 public:
  FileClient(std::shared_ptr<grpc::Channel> channel, const Content& content, Identity id)
      : stub_(filev1::FileService::NewStub(std::move(channel))),
        content_(content),
        id_(std::move(id)) {}

  // Uploads file number `file` of `size` bytes; returns its id.
  absl::StatusOr<std::string> Upload(uint64_t file, uint64_t size) const {
    grpc::ClientContext ctx;
    filev1::UploadResponse resp;
    auto writer = stub_->Upload(&ctx, &resp);
    filev1::UploadRequest req;
    filev1::UploadHeader* h = req.mutable_header();
    h->set_owner_id(id_.owner_id);
    h->set_name(absl::StrCat("bench/", file, ".bin"));
    h->set_declared_size(size);
    h->set_owner_public_key(id_.public_key);
    h->set_owner_key_version(1);
    uint64_t offset = 0;
    do {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kBlock, size - offset));
      std::string* chunk = req.mutable_chunk();
      chunk->resize(n);
      content_.Fill(file, offset, n, chunk->data());
      offset += n;
      if (!writer->Write(req)) break;  // the server ended the call: Finish has the status
      req.clear_header();
    } while (offset < size);
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    if (!s.ok()) return Error("upload", s);
    if (resp.file().size() != size) {
      return absl::DataLossError(
          absl::StrCat("upload stored ", resp.file().size(), " bytes, sent ", size));
    }
    return resp.file().id();
  }

  // Downloads `file_id` and compares every byte with file number `file`.
  absl::Status Download(const std::string& file_id, uint64_t file, uint64_t size,
                        std::string& scratch) const {
    grpc::ClientContext ctx;
    filev1::DownloadRequest req;
    req.set_file_id(file_id);
    req.set_owner_id(id_.owner_id);
    req.set_private_key(id_.private_key);
    auto reader = stub_->Download(&ctx, req);
    filev1::DownloadResponse resp;
    uint64_t offset = 0;
    absl::Status mismatch;
    while (mismatch.ok() && reader->Read(&resp)) {
      const std::string& chunk = resp.chunk();
      if (offset + chunk.size() > size) {
        mismatch = absl::DataLossError("download returned more bytes than the file holds");
        break;
      }
      scratch.resize(chunk.size());
      content_.Fill(file, offset, chunk.size(), scratch.data());
      if (std::memcmp(scratch.data(), chunk.data(), chunk.size()) != 0) {
        mismatch = absl::DataLossError(absl::StrCat("download differs near byte ", offset));
      }
      offset += chunk.size();
    }
    if (!mismatch.ok()) ctx.TryCancel();
    grpc::Status s = reader->Finish();
    if (!mismatch.ok()) return mismatch;
    if (!s.ok()) return Error("download", s);
    if (offset != size) {
      return absl::DataLossError(
          absl::StrCat("download returned ", offset, " of ", size, " bytes"));
    }
    return absl::OkStatus();
  }

  // The file's redundancy state ("healthy", "degraded", ...).
  absl::StatusOr<std::string> HealthState(const std::string& file_id) const {
    grpc::ClientContext ctx;
    filev1::GetHealthRequest req;
    req.set_file_id(file_id);
    req.set_owner_id(id_.owner_id);
    filev1::GetHealthResponse resp;
    grpc::Status s = stub_->GetHealth(&ctx, req, &resp);
    if (!s.ok()) return Error("health", s);
    return resp.state();
  }

  absl::Status Delete(const std::string& file_id) const {
    grpc::ClientContext ctx;
    filev1::DeleteRequest req;
    req.set_file_id(file_id);
    req.set_owner_id(id_.owner_id);
    filev1::DeleteResponse resp;
    grpc::Status s = stub_->Delete(&ctx, req, &resp);
    return s.ok() ? absl::OkStatus() : Error("delete", s);
  }

 private:
  static absl::Status Error(const char* what, const grpc::Status& s) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        absl::StrCat(what, ": ", s.error_message()));
  }

  std::unique_ptr<filev1::FileService::Stub> stub_;
  const Content& content_;
  Identity id_;
};

// A fresh owner id and X25519 key pair.
inline absl::StatusOr<Identity> NewIdentity() {
  absl::StatusOr<std::string> uuid = crypto::NewUuid();
  if (!uuid.ok()) return uuid.status();
  absl::StatusOr<crypto::X25519PrivateKey> key = crypto::X25519PrivateKey::Generate();
  if (!key.ok()) return key.status();
  absl::StatusOr<crypto::SecretBytes> raw = key->ToBytes();
  if (!raw.ok()) return raw.status();
  return Identity{absl::StrCat("bench-", *uuid), key->public_key(), std::string(raw->view())};
}

}  // namespace datamesh::bench
