#include "services/gateway/transfer/multipart_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "shared/testing/status_matchers.h"

namespace datamesh::gateway {
namespace {

using ::datamesh::testing::StatusIs;

// Serves `data` cut at the given offsets (each Read returns at most up to the next cut), then
// `end` (OK: a clean end; an error: the body broke).
class ScriptedBody : public http::BodyReader {
 public:
  ScriptedBody(std::string data, std::vector<size_t> cuts, absl::Status end = absl::OkStatus())
      : data_(std::move(data)), cuts_(std::move(cuts)), end_(std::move(end)) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t size) override {
    if (pos_ == data_.size()) {
      if (!end_.ok()) return end_;
      done_ = true;
      return 0;
    }
    size_t limit = data_.size();
    for (size_t cut : cuts_) {
      if (cut > pos_) {
        limit = std::min(limit, cut);
        break;
      }
    }
    const size_t n = std::min(size, limit - pos_);
    std::copy_n(data_.data() + pos_, n, buffer);
    pos_ += n;
    return n;
  }
  bool done() const override { return done_; }

 private:
  std::string data_;
  std::vector<size_t> cuts_;
  absl::Status end_;
  size_t pos_ = 0;
  bool done_ = false;
};

struct Parsed {
  absl::Status status;
  std::string filename;
  std::string content_type;
  std::string content;
};

Parsed ParseAll(http::BodyReader& body, const std::string& boundary, size_t read_size,
                size_t buffer_size = 7) {
  MultipartFileReader reader(body, boundary, read_size);
  Parsed out;
  out.status = reader.Start();
  if (!out.status.ok()) return out;
  out.filename = reader.filename();
  out.content_type = reader.content_type();
  std::string buffer(buffer_size, '\0');
  while (true) {
    absl::StatusOr<size_t> n = reader.Read(buffer.data(), buffer.size());
    if (!n.ok()) {
      out.status = n.status();
      return out;
    }
    if (*n == 0) break;
    out.content.append(buffer.data(), *n);
  }
  EXPECT_TRUE(reader.done());
  return out;
}

Parsed Parse(const std::string& body, const std::string& boundary = "XyZ",
             size_t read_size = 64 * 1024) {
  ScriptedBody reader(body, {});
  return ParseAll(reader, boundary, read_size);
}

// A field, the file (content with CR, LF and a near-boundary), another field, an epilogue.
const char kBoundary[] = "b0undary";
const std::string kContent = "line1\r\nline2\r\n--b0undar\r\n-\r";
std::string SampleBody() {
  return std::string("preamble to ignore\r\n") +
         "--b0undary\r\n"
         "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
         "hello\r\n"
         "--b0undary\r\n"
         "Content-Disposition: form-data; name=\"file\"; filename=\"r\\\"e;port.txt\"\r\n"
         "Content-Type: text/plain\r\n\r\n" +
         kContent +
         "\r\n--b0undary  \r\n"
         "Content-Disposition: form-data; name=\"after\"\r\n\r\n"
         "x\r\n"
         "--b0undary--\r\nepilogue";
}

TEST(MultipartFileReader, ReadsTheFilePartAndIgnoresOtherFields) {
  Parsed p = Parse(SampleBody(), kBoundary);
  ASSERT_OK(p.status);
  EXPECT_EQ(p.filename, "r\"e;port.txt");
  EXPECT_EQ(p.content_type, "text/plain");
  EXPECT_EQ(p.content, kContent);
}

TEST(MultipartFileReader, SameResultWhateverTheReadBoundaries) {
  const std::string body = SampleBody();
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    ScriptedBody reader(body, {cut});
    Parsed p = ParseAll(reader, kBoundary, 64 * 1024);
    ASSERT_OK(p.status) << "cut at " << cut;
    EXPECT_EQ(p.content, kContent) << "cut at " << cut;
    EXPECT_EQ(p.filename, "r\"e;port.txt") << "cut at " << cut;
  }
  for (size_t read_size : {1, 2, 3, 5, 11, 13}) {
    ScriptedBody reader(body, {});
    Parsed p = ParseAll(reader, kBoundary, read_size, 1 + read_size % 4);
    ASSERT_OK(p.status) << "read size " << read_size;
    EXPECT_EQ(p.content, kContent) << "read size " << read_size;
  }
}

TEST(MultipartFileReader, EveryTruncationIsInvalid) {
  const std::string body = SampleBody();
  const size_t closing = body.find("--b0undary--") + std::string("--b0undary--").size();
  for (size_t len = 0; len < closing; ++len) {
    Parsed p = Parse(body.substr(0, len), kBoundary, 3);
    EXPECT_THAT(p.status, StatusIs(absl::StatusCode::kInvalidArgument)) << "length " << len;
  }
  // After the closing boundary, the epilogue is free.
  EXPECT_OK(Parse(body.substr(0, closing), kBoundary).status);
}

TEST(MultipartFileReader, EmptyFileAndNoHeadersBeforeTheFirstBoundary) {
  Parsed p = Parse(
      "--XyZ\r\nContent-Disposition: form-data; name=file; filename=e.bin\r\n\r\n\r\n--XyZ--");
  ASSERT_OK(p.status);
  EXPECT_EQ(p.filename, "e.bin");
  EXPECT_EQ(p.content_type, "");
  EXPECT_EQ(p.content, "");
}

TEST(MultipartFileReader, ExtendedFilename) {
  Parsed p = Parse(
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fallback\"; "
      "filename*=UTF-8''caf%C3%A9%20menu.txt\r\n\r\ndata\r\n--XyZ--\r\n");
  ASSERT_OK(p.status);
  EXPECT_EQ(p.filename, "caf\xC3\xA9 menu.txt");
  EXPECT_EQ(p.content, "data");
}

TEST(MultipartFileReader, RejectsMalformedBodies) {
  const auto invalid = [](const std::string& body) {
    return Parse(body).status.code() == absl::StatusCode::kInvalidArgument;
  };
  const std::string file_part = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nA";
  EXPECT_TRUE(invalid(""));
  EXPECT_TRUE(invalid("no boundary at all"));
  // No file part.
  EXPECT_TRUE(invalid("--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--XyZ--"));
  // Two file parts.
  EXPECT_TRUE(invalid(file_part + "\r\n" + file_part + "\r\n--XyZ--"));
  // Garbage right after a boundary.
  EXPECT_TRUE(invalid(file_part + "\r\n--XyZgarbage\r\n--XyZ--"));
  // A header line without a colon.
  EXPECT_TRUE(invalid("--XyZ\r\nnot a header\r\n\r\nA\r\n--XyZ--"));
  // Huge part headers.
  EXPECT_TRUE(invalid("--XyZ\r\nX-Pad: " + std::string(10000, 'p') + "\r\n\r\nA\r\n--XyZ--"));
  // Bad filename*.
  EXPECT_TRUE(invalid(
      "--XyZ\r\nContent-Disposition: form-data; name=file; filename*=UTF-8''%G1\r\n\r\nA\r\n"
      "--XyZ--"));
}

// Found by fuzz/multipart_fuzz.cc: a header block of exactly the 8 KiB limit was refused when
// the body arrived in small reads (the blank line after it not yet complete) and accepted whole.
TEST(MultipartFileReader, HeadersAtTheLimitGetTheSameAnswerWhateverTheReads) {
  const std::string disposition = "Content-Disposition: form-data; name=\"file\"\r\nX-Pad: ";
  for (size_t block : {size_t{8192}, size_t{8193}}) {
    const std::string body = "--XyZ\r\n" + disposition +
                             std::string(block - disposition.size(), 'p') + "\r\n\r\nA\r\n--XyZ--";
    for (size_t read_size : {size_t{1}, size_t{3}, size_t{64 * 1024}}) {
      Parsed p = Parse(body, "XyZ", read_size);
      if (block == 8192) {
        ASSERT_OK(p.status) << "read size " << read_size;
        EXPECT_EQ(p.content, "A");
      } else {
        EXPECT_THAT(p.status, StatusIs(absl::StatusCode::kInvalidArgument))
            << "read size " << read_size;
      }
    }
  }
}

TEST(MultipartFileReader, PassesTheBodysOwnErrorsThrough) {
  const std::string body = SampleBody();
  ScriptedBody reader(body.substr(0, body.size() / 2), {},
                      absl::DeadlineExceededError("client stalled"));
  EXPECT_THAT(ParseAll(reader, kBoundary, 16).status,
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(MultipartFileReader, LargeFileStreamsWithBoundedReads) {
  std::string content;
  for (int i = 0; content.size() < 300'000; ++i) content += "chunk " + std::to_string(i) + "\r\n-";
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n\r\n" + content +
      "\r\n--XyZ--\r\n";
  ScriptedBody reader(body, {});
  Parsed p = ParseAll(reader, "XyZ", 4096, 1000);
  ASSERT_OK(p.status);
  EXPECT_TRUE(p.content == content);
}

TEST(MultipartBoundary, FromContentType) {
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*MultipartBoundary("Multipart/Form-Data;boundary=\"a b:c\""), "a b:c");
  EXPECT_THAT(MultipartBoundary("multipart/form-data").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MultipartBoundary("multipart/mixed; boundary=abc").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MultipartBoundary("multipart/form-data; boundary=" + std::string(71, 'a')).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(IsMultipartFormData("multipart/form-data; boundary=x"));
  EXPECT_FALSE(IsMultipartFormData("application/octet-stream"));
}

}  // namespace
}  // namespace datamesh::gateway
