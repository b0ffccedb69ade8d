#include "services/chunk-store/node_id.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "services/chunk-store/disk_io.h"
#include "services/chunk-store/shard_store.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/status/status.h"

namespace datamesh::chunk_store {

absl::StatusOr<std::string> LoadOrCreateNodeId(const std::string& data_dir) {
  const std::string path = data_dir + "/node_id";
  std::ifstream in(path);
  if (in) {
    std::stringstream content;
    content << in.rdbuf();
    std::string id(absl::StripAsciiWhitespace(content.str()));
    if (!ValidateShardId(id).ok()) {
      return absl::FailedPreconditionError(path + " does not hold a 64-hex-character node id");
    }
    return id;
  }
  ASSIGN_OR_RETURN(std::string random, crypto::RandomBytes(32));
  std::string id = crypto::HexEncode(random);
  RETURN_IF_ERROR(WriteFileAtomically(data_dir, path, id + "\n"));
  return id;
}

}  // namespace datamesh::chunk_store
