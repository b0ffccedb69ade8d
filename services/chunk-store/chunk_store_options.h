// Options of one chunk-store instance.
#pragma once

#include <cstdint>
#include <string>

#include "shared/config/flags.h"

namespace datamesh::chunk_store {

struct ChunkStoreOptions {
  std::string data_dir = "/var/lib/datamesh/chunks";  // shards live here; one folder per instance
  std::string zone = "default";                       // failure domain label used by placement
  int64_t capacity_bytes = 0;                         // 0: the free space of data_dir's disk
  std::string operator_id;                            // governance operator; heartbeats carry it
};

void RegisterFlags(config::FlagSet& flags, ChunkStoreOptions& options);

}  // namespace datamesh::chunk_store
