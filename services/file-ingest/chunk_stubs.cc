#include "services/file-ingest/chunk_stubs.h"

#include "shared/server/channels.h"

namespace datamesh::file_ingest {

std::string ChunkStubs::AddressOf(const NodeRef& node) {
  return directory_ ? directory_->AddressOf(node) : node.address;
}

std::shared_ptr<ChunkStubs::Stub> ChunkStubs::StubAt(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& stub = stubs_[address];
  if (!stub) stub = chunk::v1::ChunkService::NewStub(server::ServiceChannel(address));
  return stub;
}

bool ChunkStubs::MovedFrom(const NodeRef& node, const std::string& address) {
  if (directory_ == nullptr) return false;
  directory_->Failed(node);
  return directory_->AddressOf(node) != address;
}

}  // namespace datamesh::file_ingest
