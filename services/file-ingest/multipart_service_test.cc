// S3 multipart uploads through FileService over in-process gRPC, with real PostgreSQL and
// NATS and fakes only at the storage seams and quota: parts out of order, a part replaced,
// Complete (bytes and ranges read back, the S3 ETag), a repeated Complete, every error code,
// Abort, the expiry GC, and what quota is told about parts.
#include "services/file-ingest/multipart_test_support.h"

namespace datamesh::file_ingest::multipart_testing {
namespace {

TEST_F(MultipartServiceTest, PartsSentOutOfOrderCompleteIntoTheObjectWithTheS3Etag) {
  MakeBucket("alice", "mp-order");
  const std::string upload = Create("alice", "mp-order/movie.mp4");
  ASSERT_FALSE(upload.empty());
  // Part 1 spans 2.5 segments, part 2 exactly two, part 3 (the last) is small.
  const std::string one = Data(2 * kSeg + kSeg / 2), two = Data(2 * kSeg), three = Data(123);
  file::v1::UploadPartResponse sent;
  ASSERT_TRUE(Part("alice", upload, 3, three, &sent).ok());
  EXPECT_EQ(sent.part().md5(), Md5Hex(three));
  EXPECT_EQ(sent.part().size(), three.size());
  ASSERT_TRUE(Part("alice", upload, 1, one).ok());
  ASSERT_TRUE(Part("alice", upload, 2, two).ok());

  file::v1::ListPartsResponse listed;
  ASSERT_TRUE(ListParts("alice", upload, &listed).ok());
  EXPECT_EQ(listed.name(), "mp-order/movie.mp4");
  ASSERT_EQ(listed.parts_size(), 3);
  EXPECT_EQ(listed.parts(0).part_number(), 1u);
  EXPECT_EQ(listed.parts(1).md5(), Md5Hex(two));
  ASSERT_TRUE(ListParts("alice", upload, &listed, nullptr, 1, 1).ok());
  ASSERT_EQ(listed.parts_size(), 1);
  EXPECT_EQ(listed.parts(0).part_number(), 2u);
  EXPECT_TRUE(listed.is_truncated());
  EXPECT_EQ(listed.next_part_number_marker(), 2u);

  file::v1::CompleteMultipartUploadResponse done;
  ASSERT_TRUE(
      Complete("alice", upload, {{1, Md5Hex(one)}, {2, Md5Hex(two)}, {3, Md5Hex(three)}}, &done)
          .ok());
  const std::string all = one + two + three;
  EXPECT_EQ(done.file().size(), all.size());
  EXPECT_EQ(done.file().md5(),
            absl::BytesToHexString(Md5(Md5(one) + Md5(two) + Md5(three))) + "-3");
  EXPECT_EQ(done.file().content_type(), "video/mp4");
  EXPECT_EQ(done.file().object_metadata().at("x-amz-meta-camera"), "front");
  EXPECT_EQ(done.file().sha256().substr(64), "-3");  // not the object's SHA-256 (README)

  std::string back;
  ASSERT_TRUE(Download("alice", done.file().id(), &back).ok());
  EXPECT_EQ(back == all, true);
  for (uint64_t boundary : {one.size(), one.size() + two.size()}) {
    ASSERT_TRUE(Download("alice", done.file().id(), &back, boundary - 5, 11).ok());
    EXPECT_EQ(back, all.substr(boundary - 5, 11));
  }
  // Health counts the sparse segments like any others: 3 + 2 + 1.
  grpc::ClientContext ctx;
  file::v1::GetHealthRequest health_req;
  health_req.set_owner_id("alice");
  health_req.set_file_id(done.file().id());
  file::v1::GetHealthResponse health;
  ASSERT_TRUE(stub_->GetHealth(&ctx, health_req, &health).ok());
  EXPECT_EQ(health.segments(), 6u);
  EXPECT_EQ(health.state(), "healthy");
  // No longer in progress.
  std::string code;
  EXPECT_EQ(ListParts("alice", upload, &listed, &code).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(code, "NO_SUCH_UPLOAD");
}

TEST_F(MultipartServiceTest, PartSentAgainReplacesTheOlderOneAndFreesItsShards) {
  MakeBucket("alice", "mp-again");
  const std::string upload = Create("alice", "mp-again/a.bin");
  const std::string first = Data(kMinPart + 1), second = Data(kMinPart + 2), last = Data(7);
  file::v1::UploadPartResponse old_part;
  ASSERT_TRUE(Part("alice", upload, 1, first, &old_part).ok());
  const int64_t queued = QueuedDeletions();
  ASSERT_TRUE(Part("alice", upload, 1, second).ok());
  // The first attempt's two segments, six shards each, wait for deletion.
  EXPECT_EQ(QueuedDeletions(), queued + 12);
  ASSERT_TRUE(Part("alice", upload, 2, last).ok());
  file::v1::ListPartsResponse listed;
  ASSERT_TRUE(ListParts("alice", upload, &listed).ok());
  ASSERT_EQ(listed.parts_size(), 2);
  EXPECT_EQ(listed.parts(0).md5(), Md5Hex(second));
  std::string code;
  file::v1::CompleteMultipartUploadResponse done;
  // The old ETag no longer names a stored part.
  EXPECT_EQ(
      Complete("alice", upload, {{1, Md5Hex(first)}, {2, Md5Hex(last)}}, &done, &code).error_code(),
      grpc::INVALID_ARGUMENT);
  EXPECT_EQ(code, "INVALID_PART");
  ASSERT_TRUE(Complete("alice", upload, {{1, Md5Hex(second)}, {2, Md5Hex(last)}}, &done).ok());
  std::string back;
  ASSERT_TRUE(Download("alice", done.file().id(), &back).ok());
  EXPECT_TRUE(back == second + last);
}

TEST_F(MultipartServiceTest, CompleteIsIdempotentDropsUnlistedPartsAndReplacesTheName) {
  MakeBucket("alice", "mp-twice");
  // An earlier object of the same name, as an S3 PUT stored it.
  grpc::ClientContext put_ctx;
  file::v1::UploadResponse put;
  auto writer = stub_->Upload(&put_ctx, &put);
  file::v1::UploadRequest req;
  req.mutable_header()->set_owner_id("alice");
  req.mutable_header()->set_name("mp-twice/k");
  req.mutable_header()->set_owner_public_key(key_->public_key());
  req.mutable_header()->set_replace_same_name(true);
  req.set_chunk("old bytes");
  writer->Write(req);
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());

  const std::string upload = Create("alice", "mp-twice/k");
  const std::string one = Data(kMinPart), two = Data(kSeg), unlisted = Data(kSeg + 1);
  ASSERT_TRUE(Part("alice", upload, 1, one).ok());
  ASSERT_TRUE(Part("alice", upload, 2, unlisted).ok());
  ASSERT_TRUE(Part("alice", upload, 3, two).ok());
  const std::vector<std::pair<uint32_t, std::string>> list = {{1, Md5Hex(one)}, {3, Md5Hex(two)}};
  file::v1::CompleteMultipartUploadResponse done, again;
  ASSERT_TRUE(Complete("alice", upload, list, &done).ok());
  EXPECT_EQ(SegmentsOf(done.file().id()), 3);  // part 2's two segments are gone
  ASSERT_TRUE(Complete("alice", upload, list, &again).ok());
  EXPECT_EQ(again.file().id(), done.file().id());
  EXPECT_EQ(again.file().md5(), done.file().md5());
  std::string code;
  EXPECT_EQ(Complete("alice", upload, {{1, Md5Hex(one)}}, &again, &code).error_code(),
            grpc::NOT_FOUND);
  EXPECT_EQ(code, "NO_SUCH_UPLOAD");

  // The name now means the multipart object; the PUT's file went as Delete would.
  grpc::ClientContext stat_ctx;
  file::v1::StatByNameRequest stat_req;
  stat_req.set_owner_id("alice");
  stat_req.set_name("mp-twice/k");
  file::v1::StatResponse stat;
  ASSERT_TRUE(stub_->StatByName(&stat_ctx, stat_req, &stat).ok());
  EXPECT_EQ(stat.file().id(), done.file().id());
  EXPECT_EQ(DeletedSize(put.file().id()), 9);
  std::string back;
  ASSERT_TRUE(Download("alice", done.file().id(), &back).ok());
  EXPECT_TRUE(back == one + two);
}

TEST_F(MultipartServiceTest, EveryErrorHasItsCode) {
  MakeBucket("alice", "mp-errors");
  std::string code;
  EXPECT_TRUE(Create("alice", "no-such-bucket/k", grpc::StatusCode::NOT_FOUND).empty());
  EXPECT_TRUE(Create("bob", "mp-errors/k", grpc::StatusCode::NOT_FOUND).empty());
  const std::string upload = Create("alice", "mp-errors/k");
  const std::string small = Data(kMinPart - 1), big = Data(kMinPart), tail = Data(5);
  ASSERT_TRUE(Part("alice", upload, 1, small).ok());
  ASSERT_TRUE(Part("alice", upload, 2, big).ok());
  ASSERT_TRUE(Part("alice", upload, 3, tail).ok());
  file::v1::CompleteMultipartUploadResponse done;
  auto complete_code = [&](const std::vector<std::pair<uint32_t, std::string>>& parts) {
    std::string c;
    EXPECT_EQ(Complete("alice", upload, parts, &done, &c).error_code(), grpc::INVALID_ARGUMENT);
    return c;
  };
  EXPECT_EQ(complete_code({{2, Md5Hex(big)}, {1, Md5Hex(small)}}), "INVALID_PART_ORDER");
  EXPECT_EQ(complete_code({{2, Md5Hex(big)}, {2, Md5Hex(big)}}), "INVALID_PART_ORDER");
  EXPECT_EQ(complete_code({{2, Md5Hex(big)}, {4, Md5Hex(tail)}}), "INVALID_PART");
  EXPECT_EQ(complete_code({{2, Md5Hex(tail)}}), "INVALID_PART");
  EXPECT_EQ(complete_code({{1, Md5Hex(small)}, {3, Md5Hex(tail)}}), "ENTITY_TOO_SMALL");
  // A refused Complete changed nothing: the upload completes with a valid list afterwards.
  ASSERT_TRUE(Complete("alice", upload, {{2, Md5Hex(big)}, {3, Md5Hex(tail)}}, &done).ok());
  EXPECT_EQ(done.file().size(), big.size() + tail.size());

  const std::string other = Create("alice", "mp-errors/other");
  EXPECT_EQ(Part("alice", "no-such-upload", 1, "x", nullptr, &code).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(code, "NO_SUCH_UPLOAD");
  EXPECT_EQ(Part("bob", other, 1, "x", nullptr, &code).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(code, "NO_SUCH_UPLOAD");
  EXPECT_EQ(Part("alice", upload, 1, "x", nullptr, &code).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(code, "NO_SUCH_UPLOAD");  // completed
  EXPECT_EQ(Part("alice", other, 0, "x").error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(Part("alice", other, 10001, "x").error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(Part("alice", other, 1, "abc", nullptr, nullptr, {.declared = 4}).error_code(),
            grpc::INVALID_ARGUMENT);
  EXPECT_EQ(Part("alice", other, 1, "abcde", nullptr, nullptr, {.declared = 4}).error_code(),
            grpc::INVALID_ARGUMENT);
  file::v1::ListPartsResponse listed;
  ASSERT_TRUE(ListParts("alice", other, &listed).ok());
  EXPECT_EQ(listed.parts_size(), 0);  // refused parts store nothing
  EXPECT_EQ(ListParts("bob", other, &listed, &code).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(code, "NO_SUCH_UPLOAD");
  EXPECT_EQ(Abort("alice", "../etc", &code).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(code, "NO_SUCH_UPLOAD");
}

TEST_F(MultipartServiceTest, AbortFreesTheShardsAndTellsQuotaEveryPartLeft) {
  MakeBucket("alice", "mp-abort");
  const std::string upload = Create("alice", "mp-abort/k");
  file::v1::UploadPartResponse p1, p2;
  ASSERT_TRUE(Part("alice", upload, 1, Data(kSeg + 1), &p1, nullptr, {.reservation = "r-1"}).ok());
  ASSERT_TRUE(Part("alice", upload, 2, Data(100), &p2, nullptr, {.reservation = "r-2"}).ok());
  {
    // Each part's reservation was committed to its size under the part's own id.
    std::lock_guard<std::mutex> lock(quota_.mu);
    ASSERT_EQ(quota_.commits.size(), 2u);
    EXPECT_EQ(quota_.commits[0].reservation_id(), "r-1");
    EXPECT_EQ(quota_.commits[0].actual_bytes(), kSeg + 1);
    EXPECT_EQ(quota_.commits[1].actual_bytes(), 100u);
  }
  std::string part_one;
  ASSERT_TRUE(datamesh::testing::WaitFor(
      [&] {
        for (const auto& e : EventsOf("file.stored")) {
          if (e.file_stored().reservation_id() == "r-1") part_one = e.file_stored().file_id();
        }
        return !part_one.empty();
      },
      absl::Seconds(10)));
  {
    std::lock_guard<std::mutex> lock(quota_.mu);
    EXPECT_EQ(quota_.commits[0].file_id(), part_one);
  }
  // Quota's reconciler sees the part as stored while the upload exists, and no longer after.
  EXPECT_EQ(StoredAsQuotaSees()[part_one], kSeg + 1);
  const int64_t queued = QueuedDeletions();
  ASSERT_TRUE(Abort("alice", upload).ok());
  EXPECT_EQ(QueuedDeletions(), queued + 3 * 6);  // 2 + 1 segments of 4+2 shards
  EXPECT_EQ(StoredAsQuotaSees().count(part_one), 0u);
  EXPECT_EQ(DeletedSize(part_one), static_cast<int64_t>(kSeg + 1));
  std::string code;
  EXPECT_EQ(Abort("alice", upload, &code).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(code, "NO_SUCH_UPLOAD");
  EXPECT_EQ(Count("SELECT count(*) FROM files.multipart_parts p JOIN files.multipart_uploads u "
                  "ON u.id = p.upload_id WHERE u.name = 'mp-abort/k'"),
            0);
}

TEST_F(MultipartServiceTest, QuotaRefusalStoresNothingAndReleasesTheReservation) {
  MakeBucket("alice", "mp-quota");
  const std::string upload = Create("alice", "mp-quota/k");
  {
    std::lock_guard<std::mutex> lock(quota_.mu);
    quota_.refuse = true;
  }
  const int64_t queued = QueuedDeletions();
  std::string code;
  EXPECT_EQ(
      Part("alice", upload, 1, Data(kSeg), nullptr, &code, {.reservation = "r-9"}).error_code(),
      grpc::RESOURCE_EXHAUSTED);
  EXPECT_EQ(code, "QUOTA_EXCEEDED");
  EXPECT_EQ(QueuedDeletions(), queued + 6);  // its one segment's shards
  file::v1::ListPartsResponse listed;
  ASSERT_TRUE(ListParts("alice", upload, &listed).ok());
  EXPECT_EQ(listed.parts_size(), 0);
  std::lock_guard<std::mutex> lock(quota_.mu);
  EXPECT_EQ(quota_.releases, std::vector<std::string>{"r-9"});
}

TEST_F(MultipartServiceTest, ExpiryAbortsOnlyUploadsIdleTooLong) {
  MakeBucket("alice", "mp-expiry");
  const std::string idle = Create("alice", "mp-expiry/idle");
  const std::string busy = Create("alice", "mp-expiry/busy");
  ASSERT_TRUE(Part("alice", idle, 1, Data(kSeg)).ok());
  ASSERT_TRUE(Part("alice", busy, 1, Data(kSeg)).ok());
  ASSERT_OK(pool_->Transact([&](pqxx::work& w) {
    w.exec_params(
        "UPDATE files.multipart_uploads SET last_activity = now() - interval '200 hours' "
        "WHERE id = $1",
        idle);
    return absl::OkStatus();
  }));
  const int64_t queued = QueuedDeletions();
  const int64_t outbox = Count("SELECT count(*) FROM files.outbox");
  auto expired = service_->ExpireMultipartUploads(absl::Now() - absl::Hours(168));
  ASSERT_OK(expired);
  EXPECT_EQ(*expired, 1);
  EXPECT_EQ(QueuedDeletions(), queued + 6);
  // The part's file.deleted waits in the outbox for the outbox worker.
  EXPECT_EQ(Count("SELECT count(*) FROM files.outbox"), outbox + 1);
  std::string code;
  file::v1::ListPartsResponse listed;
  EXPECT_EQ(ListParts("alice", idle, &listed, &code).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(code, "NO_SUCH_UPLOAD");
  ASSERT_TRUE(ListParts("alice", busy, &listed).ok());
  EXPECT_EQ(listed.parts_size(), 1);

  grpc::ClientContext ctx;
  file::v1::ListMultipartUploadsRequest req;
  req.set_owner_id("alice");
  req.set_bucket("mp-expiry");
  file::v1::ListMultipartUploadsResponse uploads;
  ASSERT_TRUE(stub_->ListMultipartUploads(&ctx, req, &uploads).ok());
  ASSERT_EQ(uploads.uploads_size(), 1);
  EXPECT_EQ(uploads.uploads(0).upload_id(), busy);
  EXPECT_EQ(uploads.uploads(0).name(), "mp-expiry/busy");
}

TEST_F(MultipartServiceTest, DeletingTheBucketAbortsItsUploadsInProgress) {
  MakeBucket("alice", "mp-gone");
  const std::string upload = Create("alice", "mp-gone/k");
  ASSERT_TRUE(Part("alice", upload, 1, Data(kSeg)).ok());
  const int64_t queued = QueuedDeletions();
  grpc::ClientContext ctx;
  file::v1::DeleteBucketRequest req;
  req.set_owner_id("alice");
  req.set_name("mp-gone");
  file::v1::DeleteBucketResponse resp;
  ASSERT_TRUE(stub_->DeleteBucket(&ctx, req, &resp).ok());  // uploads are not objects
  EXPECT_EQ(QueuedDeletions(), queued + 6);
  std::string code;
  file::v1::ListPartsResponse listed;
  EXPECT_EQ(ListParts("alice", upload, &listed, &code).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(code, "NO_SUCH_UPLOAD");
}

TEST_F(MultipartServiceTest, ListUploadsPagesByKeyThenStartTime) {
  MakeBucket("alice", "mp-list");
  const std::string a1 = Create("alice", "mp-list/a");
  const std::string a2 = Create("alice", "mp-list/a");
  const std::string b = Create("alice", "mp-list/b");
  Create("alice", "mp-list/c/d");
  auto list = [&](const std::string& prefix, const std::string& key_marker,
                  const std::string& id_marker, uint32_t max) {
    grpc::ClientContext ctx;
    file::v1::ListMultipartUploadsRequest req;
    req.set_owner_id("alice");
    req.set_bucket("mp-list");
    req.set_prefix(prefix);
    req.set_key_marker(key_marker);
    req.set_upload_id_marker(id_marker);
    req.set_max_uploads(max);
    file::v1::ListMultipartUploadsResponse resp;
    EXPECT_TRUE(stub_->ListMultipartUploads(&ctx, req, &resp).ok());
    return resp;
  };
  auto page = list("", "", "", 2);
  ASSERT_EQ(page.uploads_size(), 2);
  EXPECT_EQ(page.uploads(0).upload_id(), a1);
  EXPECT_EQ(page.uploads(1).upload_id(), a2);
  EXPECT_TRUE(page.is_truncated());
  EXPECT_EQ(page.next_key_marker(), "a");
  EXPECT_EQ(page.next_upload_id_marker(), a2);
  page = list("", page.next_key_marker(), page.next_upload_id_marker(), 1);
  ASSERT_EQ(page.uploads_size(), 1);
  EXPECT_EQ(page.uploads(0).upload_id(), b);
  EXPECT_EQ(list("c/", "", "", 0).uploads_size(), 1);
  EXPECT_EQ(list("", "a", "", 0).uploads_size(), 2);  // b and c/d
}

}  // namespace
}  // namespace datamesh::file_ingest::multipart_testing
