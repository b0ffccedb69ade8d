// object_put_bench: what an S3 put's MD5 costs beside a REST upload, through FileService over
// in-process gRPC with a real PostgreSQL (its own unless --pg-url is given) and in-memory
// storage nodes (fake_backends.h).
//   object_put_bench [--pg-url URL] [--mib N] [--rounds R]
// Alternates R REST uploads (compute_md5 off: the code path every REST upload takes) and R S3
// uploads (compute_md5 and replace_same_name on) of N MiB of random bytes, and prints the CPU
// seconds per GiB this process used for each (client and server share it; the difference is
// the S3 put's own cost), as the median of the rounds.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

#include "file_ingest_migrations.h"
#include "services/file-ingest/fake_backends.h"
#include "services/file-ingest/file_ingest_service.h"
#include "shared/config/flags.h"
#include "shared/crypto/random.h"
#include "shared/crypto/x25519.h"
#include "shared/pg/migrations.h"
#include "shared/testing/bench_postgres.h"

namespace datamesh::file_ingest {
namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// One upload to a fresh service (fresh in-memory nodes, so rounds do not pile up shards);
// returns the CPU seconds it took, or a negative number on failure.
double TimedUpload(ManifestStore& store, const erasure::ErasureCodec& codec,
                   const std::string& public_key, const std::string& name, const std::string& data,
                   bool s3) {
  FakePlacement placement(6);
  FakeShardStore shards;
  ServiceDeps deps;
  deps.store = &store;
  deps.placement = &placement;
  deps.shards = &shards;
  deps.codec = &codec;
  FileServiceImpl service(deps);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = file::v1::FileService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  const double cpu0 = CpuSeconds();
  grpc::ClientContext ctx;
  file::v1::UploadResponse resp;
  auto writer = stub->Upload(&ctx, &resp);
  file::v1::UploadRequest req;
  auto* h = req.mutable_header();
  h->set_owner_id("bench-owner");
  h->set_name(name);
  h->set_owner_public_key(public_key);
  h->set_owner_key_version(1);
  h->set_compute_md5(s3);
  h->set_replace_same_name(s3);
  writer->Write(req);
  constexpr size_t kMessage = 1 << 20;
  for (size_t at = 0; at < data.size(); at += kMessage) {
    file::v1::UploadRequest chunk;
    chunk.set_chunk(data.substr(at, kMessage));
    writer->Write(chunk);
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  const double cpu = CpuSeconds() - cpu0;
  server->Shutdown();
  if (!status.ok()) {
    std::cerr << "upload failed: " << status.error_message() << "\n";
    return -1;
  }
  return cpu;
}

int Main(int argc, char** argv) {
  int64_t mib = 64, rounds = 5;
  config::FlagSet flags("object_put_bench");
  testing::BenchPostgres pg(flags);
  flags.AddInt("mib", &mib, "size of each upload, MiB");
  flags.AddInt("rounds", &rounds, "uploads of each kind");
  if (std::optional<int> exit = testing::ParseBenchFlags(flags, argc, argv)) return *exit;
  if (absl::Status s = pg.Connect({}, "files", file_ingest_migrations()); !s.ok()) {
    std::cerr << "PostgreSQL is not usable: " << s << "\n";
    return 1;
  }
  ManifestStore store(pg.pool());
  BucketStore buckets(pg.pool());
  int64_t outbox = 0;
  (void)buckets.Create(
      "bench-owner", "bench", [](const BucketRecord&) { return "e"; }, &outbox);
  auto codec = erasure::MakeCodec(erasure::DefaultBackend(), 4, 2);
  auto key = crypto::X25519PrivateKey::Generate();
  if (!codec.ok() || !key.ok()) {
    std::cerr << "setup failed\n";
    return 1;
  }
  const std::string data = crypto::RandomBytes(static_cast<size_t>(mib) << 20).value();
  std::vector<double> rest, s3;
  for (int64_t r = 0; r < rounds; ++r) {
    const double a = TimedUpload(store, **codec, key->public_key(), "rest-file", data, false);
    const double b = TimedUpload(store, **codec, key->public_key(), "bench/object", data, true);
    if (a < 0 || b < 0) return 1;
    rest.push_back(a * 1024 / static_cast<double>(mib));
    s3.push_back(b * 1024 / static_cast<double>(mib));
  }
  std::sort(rest.begin(), rest.end());
  std::sort(s3.begin(), s3.end());
  std::printf("| upload of %lld MiB, %lld rounds each | CPU s per GiB (median; min-max) |\n",
              static_cast<long long>(mib), static_cast<long long>(rounds));
  std::printf(
      "|---|---|\n| REST (no MD5) | %.2f (%.2f-%.2f) |\n| S3 (MD5, replace) | %.2f "
      "(%.2f-%.2f) |\n",
      rest[rest.size() / 2], rest.front(), rest.back(), s3[s3.size() / 2], s3.front(), s3.back());
  return 0;
}

}  // namespace
}  // namespace datamesh::file_ingest

int main(int argc, char** argv) { return datamesh::file_ingest::Main(argc, argv); }
