// The pure pieces of S3 multipart upload: the CompleteMultipartUpload body, the answers' XML,
// part numbers and copy ranges as S3 reads them, the error mapping, and the routing. The
// handlers against a real stack are tests/s3/.
#include <gtest/gtest.h>

#include "services/gateway/s3/s3_multipart.h"
#include "services/gateway/s3/s3_multipart_xml.h"
#include "services/gateway/s3/s3_request.h"
#include "services/gateway/s3/s3_xml.h"

namespace datamesh::gateway::s3 {
namespace {

namespace fv1 = file::v1;

constexpr char kMd5A[] = "0123456789abcdef0123456789abcdef";
constexpr char kMd5B[] = "fedcba9876543210fedcba9876543210";

std::string ErrorCodeOf(const std::variant<std::vector<fv1::CompletedPart>, S3Error>& parsed) {
  const S3Error* e = std::get_if<S3Error>(&parsed);
  return e == nullptr ? "parsed" : e->code;
}

TEST(S3MultipartXml, CompleteBodyKeepsOrderAndStripsQuotesAroundETags) {
  auto parsed = ParseCompleteMultipartUpload(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Part><ETag>&quot;0123456789ABCDEF0123456789abcdef&quot;</ETag><PartNumber>1</PartNumber>"
      "<ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>\n"
      "<Part><PartNumber> 3 </PartNumber><ETag> fedcba9876543210fedcba9876543210 </ETag></Part>"
      "</CompleteMultipartUpload>");
  ASSERT_EQ(ErrorCodeOf(parsed), "parsed");
  const auto& parts = std::get<std::vector<fv1::CompletedPart>>(parsed);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].part_number(), 1u);
  EXPECT_EQ(parts[0].md5(), kMd5A);
  EXPECT_EQ(parts[1].part_number(), 3u);
  EXPECT_EQ(parts[1].md5(), kMd5B);
}

TEST(S3MultipartXml, CompleteBodyOutOfOrderOrRepeatedIsInvalidPartOrder) {
  const std::string a = std::string("<ETag>\"") + kMd5A + "\"</ETag>";
  EXPECT_EQ(ErrorCodeOf(ParseCompleteMultipartUpload(
                "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber>" + a +
                "</Part><Part><PartNumber>1</PartNumber>" + a +
                "</Part></CompleteMultipartUpload>")),
            "InvalidPartOrder");
  EXPECT_EQ(ErrorCodeOf(ParseCompleteMultipartUpload(
                "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber>" + a +
                "</Part><Part><PartNumber>2</PartNumber>" + a +
                "</Part></CompleteMultipartUpload>")),
            "InvalidPartOrder");
}

TEST(S3MultipartXml, MalformedCompleteBodiesAreMalformedXmlAndForeignETagsInvalidPart) {
  const std::string a = std::string("<ETag>") + kMd5A + "</ETag>";
  for (const std::string& body : {
           std::string("not xml"),
           std::string("<CompleteMultipartUpload>"),  // unterminated
           std::string("<Other><Part><PartNumber>1</PartNumber>") + a + "</Part></Other>",
           std::string("<CompleteMultipartUpload></CompleteMultipartUpload>"),  // no part
           std::string("<CompleteMultipartUpload><Part>") + a + "</Part></CompleteMultipartUpload>",
           std::string("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>"
                       "</CompleteMultipartUpload>"),
           std::string("<CompleteMultipartUpload><Part><PartNumber>0</PartNumber>") + a +
               "</Part></CompleteMultipartUpload>",
           std::string("<CompleteMultipartUpload><Part><PartNumber>10001</PartNumber>") + a +
               "</Part></CompleteMultipartUpload>",
           std::string("<CompleteMultipartUpload><Part><PartNumber>x</PartNumber>") + a +
               "</Part></CompleteMultipartUpload>",
           std::string("<!DOCTYPE x><CompleteMultipartUpload/>"),
       }) {
    EXPECT_EQ(ErrorCodeOf(ParseCompleteMultipartUpload(body)), "MalformedXML") << body;
  }
  EXPECT_EQ(ErrorCodeOf(ParseCompleteMultipartUpload(
                "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
                "<ETag>\"abc-2\"</ETag></Part></CompleteMultipartUpload>")),
            "InvalidPart");
}

TEST(S3MultipartXml, InitiateAndCompleteAnswersNameTheUpload) {
  absl::StatusOr<XmlElement> init = ParseXml(InitiateResultXml("b", "a<b>.bin", "u1"));
  ASSERT_TRUE(init.ok()) << init.status();
  EXPECT_EQ(init->name, "InitiateMultipartUploadResult");
  EXPECT_EQ(init->Child("Bucket")->text, "b");
  EXPECT_EQ(init->Child("Key")->text, "a<b>.bin");
  EXPECT_EQ(init->Child("UploadId")->text, "u1");

  absl::StatusOr<XmlElement> done =
      ParseXml(CompleteResultXml("http://h/b/k", "b", "k", "\"abc-2\""));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->name, "CompleteMultipartUploadResult");
  EXPECT_EQ(done->Child("Location")->text, "http://h/b/k");
  EXPECT_EQ(done->Child("ETag")->text, "\"abc-2\"");

  fv1::MultipartPart part;
  part.set_md5(kMd5A);
  part.mutable_last_modified()->set_seconds(1700000000);
  absl::StatusOr<XmlElement> copy = ParseXml(CopyPartResultXml(part));
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->Child("ETag")->text, std::string("\"") + kMd5A + "\"");
  EXPECT_EQ(copy->Child("LastModified")->text, "2023-11-14T22:13:20.000Z");
}

TEST(S3MultipartXml, ListPartsAnswerCarriesEachPartAndTheNextMarkerWhenTruncated) {
  fv1::ListPartsResponse page;
  page.set_name("b/k");
  for (uint32_t n : {2u, 5u}) {
    fv1::MultipartPart& p = *page.add_parts();
    p.set_part_number(n);
    p.set_size(n * 100);
    p.set_md5(kMd5B);
  }
  page.set_is_truncated(true);
  page.set_next_part_number_marker(5);
  absl::StatusOr<XmlElement> doc =
      ParseXml(ListPartsXml({"b", "k", "u1", 1, 2}, {"user-1", "alice"}, page));
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->name, "ListPartsResult");
  EXPECT_EQ(doc->Child("UploadId")->text, "u1");
  EXPECT_EQ(doc->Child("PartNumberMarker")->text, "1");
  EXPECT_EQ(doc->Child("NextPartNumberMarker")->text, "5");
  EXPECT_EQ(doc->Child("MaxParts")->text, "2");
  EXPECT_EQ(doc->Child("IsTruncated")->text, "true");
  EXPECT_EQ(doc->Child("Owner")->Child("DisplayName")->text, "alice");
  std::vector<const XmlElement*> parts;
  for (const XmlElement& child : doc->children) {
    if (child.name == "Part") parts.push_back(&child);
  }
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1]->Child("PartNumber")->text, "5");
  EXPECT_EQ(parts[1]->Child("Size")->text, "500");
  EXPECT_EQ(parts[1]->Child("ETag")->text, std::string("\"") + kMd5B + "\"");
}

TEST(S3MultipartXml, ListUploadsAnswerGivesKeysWithoutTheBucket) {
  fv1::ListMultipartUploadsResponse page;
  fv1::MultipartUpload& u = *page.add_uploads();
  u.set_upload_id("u1");
  u.set_name("b/dir/k");
  absl::StatusOr<XmlElement> doc =
      ParseXml(ListUploadsXml({"b", "dir/", "", "", 1000}, {"user-1", "alice"}, page));
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->name, "ListMultipartUploadsResult");
  EXPECT_EQ(doc->Child("Prefix")->text, "dir/");
  EXPECT_EQ(doc->Child("IsTruncated")->text, "false");
  EXPECT_EQ(doc->Child("NextKeyMarker"), nullptr);
  ASSERT_NE(doc->Child("Upload"), nullptr);
  EXPECT_EQ(doc->Child("Upload")->Child("Key")->text, "dir/k");
  EXPECT_EQ(doc->Child("Upload")->Child("UploadId")->text, "u1");
  EXPECT_EQ(doc->Child("Upload")->Child("Initiator")->Child("ID")->text, "user-1");
}

TEST(S3Multipart, PartNumbersAreIntegersFromOneTo10000) {
  EXPECT_EQ(std::get<uint32_t>(ParsePartNumber("1")), 1u);
  EXPECT_EQ(std::get<uint32_t>(ParsePartNumber("10000")), 10000u);
  for (const char* bad : {"0", "10001", "-1", "x", "", "4294967297"}) {
    EXPECT_TRUE(std::holds_alternative<S3Error>(ParsePartNumber(bad))) << bad;
  }
  EXPECT_TRUE(std::holds_alternative<S3Error>(ParsePartNumber(std::nullopt)));
}

TEST(S3Multipart, CopyRangesAreInclusiveAndMustLieWithinTheSource) {
  CopyRange whole = std::get<CopyRange>(ParseCopySourceRange(std::nullopt, 42));
  EXPECT_EQ(whole.offset, 0u);
  EXPECT_EQ(whole.length, 42u);
  CopyRange some = std::get<CopyRange>(ParseCopySourceRange("bytes=10-19", 42));
  EXPECT_EQ(some.offset, 10u);
  EXPECT_EQ(some.length, 10u);
  EXPECT_EQ(std::get<CopyRange>(ParseCopySourceRange("bytes=41-41", 42)).length, 1u);
  for (const char* bad : {"10-19", "bytes=19-10", "bytes=-5", "bytes=5-", "bytes=a-b"}) {
    auto r = ParseCopySourceRange(bad, 42);
    ASSERT_TRUE(std::holds_alternative<S3Error>(r)) << bad;
    EXPECT_EQ(std::get<S3Error>(r).code, "InvalidArgument") << bad;
  }
  auto beyond = ParseCopySourceRange("bytes=0-42", 42);
  ASSERT_TRUE(std::holds_alternative<S3Error>(beyond));
  EXPECT_EQ(std::get<S3Error>(beyond).code, "InvalidRange");
  EXPECT_EQ(std::get<S3Error>(beyond).http_status, 416);
}

TEST(S3Multipart, FileIngestCodesMapToS3MultipartErrors) {
  const absl::Status not_found = absl::NotFoundError("x");
  const absl::Status invalid = absl::InvalidArgumentError("x");
  EXPECT_EQ(S3ErrorFor(not_found, Subject::kNone, "NO_SUCH_UPLOAD").code, "NoSuchUpload");
  EXPECT_EQ(S3ErrorFor(not_found, Subject::kNone, "NO_SUCH_UPLOAD").http_status, 404);
  EXPECT_EQ(S3ErrorFor(invalid, Subject::kNone, "INVALID_PART").code, "InvalidPart");
  EXPECT_EQ(S3ErrorFor(invalid, Subject::kNone, "INVALID_PART_ORDER").code, "InvalidPartOrder");
  const S3Error small = S3ErrorFor(invalid, Subject::kNone, "ENTITY_TOO_SMALL");
  EXPECT_EQ(small.code, "EntityTooSmall");
  EXPECT_EQ(small.http_status, 400);
}

TEST(S3Multipart, RequestsRouteToTheMultipartOperations) {
  const S3Target bucket{"b", ""}, object{"b", "k"};
  const http::HeaderList upload{{"uploadId", "u1"}};
  const http::HeaderList part{{"partNumber", "1"}, {"uploadId", "u1"}};
  EXPECT_EQ(Classify("POST", object, {{"uploads", ""}}, false).operation,
            Operation::kCreateMultipartUpload);
  EXPECT_EQ(Classify("PUT", object, part, false).operation, Operation::kUploadPart);
  EXPECT_EQ(Classify("PUT", object, part, true).operation, Operation::kUploadPartCopy);
  EXPECT_EQ(Classify("GET", object, upload, false).operation, Operation::kListParts);
  EXPECT_EQ(Classify("POST", object, upload, false).operation,
            Operation::kCompleteMultipartUpload);
  EXPECT_EQ(Classify("DELETE", object, upload, false).operation,
            Operation::kAbortMultipartUpload);
  EXPECT_EQ(Classify("GET", bucket, {{"uploads", ""}}, false).operation,
            Operation::kListMultipartUploads);
  // Reading one part of an object is not served (rather than the whole object answered).
  EXPECT_EQ(Classify("GET", object, {{"partNumber", "1"}}, false).operation,
            Operation::kNotImplemented);
  EXPECT_EQ(Classify("HEAD", object, {{"partNumber", "1"}}, false).operation,
            Operation::kNotImplemented);
  // Without the subresources these stay the object operations.
  EXPECT_EQ(Classify("PUT", object, {}, false).operation, Operation::kPutObject);
  EXPECT_EQ(Classify("DELETE", object, {}, false).operation, Operation::kDeleteObject);
}

}  // namespace
}  // namespace datamesh::gateway::s3
