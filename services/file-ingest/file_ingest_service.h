// The gRPC adapter of the file-ingest service: FileService on top of the service's domain code.
//
// RPCs that are not built yet are not overridden: the generated base class answers them with
// UNIMPLEMENTED, so no caller is ever told a made-up success.
//
// Thread-safe: gRPC calls handlers concurrently.
#pragma once

#include "datamesh/file/v1/file.grpc.pb.h"

namespace datamesh::file_ingest {

class FileServiceImpl final : public file::v1::FileService::Service {};

}  // namespace datamesh::file_ingest
