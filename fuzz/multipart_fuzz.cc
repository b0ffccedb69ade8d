// Fuzz target: the streaming multipart/form-data reader of uploads
// (services/gateway/transfer/multipart_reader.h) and the boundary of the Content-Type header.
//
// Input (text):
//   line 1: the request's Content-Type value (its boundary is used; "XyZ" when it has none)
//   line 2: numbers "read_size buffer_size piece..." - how many bytes the reader pulls at a
//           time, the caller's Read buffer, and the sizes the client's body arrives in (cycled)
//   rest:   the body
//
// The body is read twice: in the pieces, read size and buffer of line 2, and whole in one
// piece. Invariants: both reads agree (success, filename, part Content-Type, file bytes): how a
// body is cut into TCP reads must never change what is uploaded; a Read never returns more
// than asked; the file bytes never hold the delimiter and are no longer than the body; an error
// is INVALID_ARGUMENT and sticks; a good boundary is 1-70 printable characters.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "services/gateway/http/request.h"
#include "services/gateway/transfer/multipart_reader.h"

namespace {

using datamesh::gateway::MultipartFileReader;

// Serves `body` in pieces of the given sizes (cycled; a 0 counts as 1).
class PieceBody : public datamesh::gateway::http::BodyReader {
 public:
  PieceBody(std::string_view body, std::vector<uint64_t> pieces)
      : body_(body), pieces_(std::move(pieces)) {}

  absl::StatusOr<size_t> Read(char* buffer, size_t size) override {
    if (pos_ == body_.size()) {
      done_ = true;
      return 0;
    }
    size_t piece = body_.size();
    if (!pieces_.empty()) piece = std::max<uint64_t>(1, pieces_[next_++ % pieces_.size()]);
    const size_t n = std::min({size, piece, body_.size() - pos_});
    std::memcpy(buffer, body_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  bool done() const override { return done_; }

 private:
  std::string_view body_;
  std::vector<uint64_t> pieces_;
  size_t next_ = 0;
  size_t pos_ = 0;
  bool done_ = false;
};

struct Outcome {
  absl::Status status;
  std::string filename;
  std::string content_type;
  std::string content;
};

Outcome ReadAll(PieceBody& body, const std::string& boundary, size_t read_size,
                size_t buffer_size) {
  MultipartFileReader reader(body, boundary, read_size);
  Outcome out;
  out.status = reader.Start();
  if (out.status.ok()) {
    out.filename = reader.filename();
    out.content_type = reader.content_type();
    std::string buffer(buffer_size, '\0');
    while (true) {
      absl::StatusOr<size_t> n = reader.Read(buffer.data(), buffer.size());
      if (!n.ok()) {
        out.status = n.status();
        break;
      }
      FUZZ_CHECK(*n <= buffer.size());
      if (*n == 0) {
        FUZZ_CHECK(reader.done());
        // Done stays done.
        absl::StatusOr<size_t> again = reader.Read(buffer.data(), buffer.size());
        FUZZ_CHECK(again.ok() && *again == 0);
        break;
      }
      out.content.append(buffer.data(), *n);
    }
  }
  if (!out.status.ok()) {
    FUZZ_CHECK(out.status.code() == absl::StatusCode::kInvalidArgument);
    char byte = 0;
    // A failed reader keeps failing: a caller that retries must not see file bytes.
    FUZZ_CHECK(!reader.Read(&byte, 1).ok());
    FUZZ_CHECK(!reader.done());
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = datamesh::fuzz::AsText(data, size);
  const std::string_view content_type = datamesh::fuzz::TakeLine(text);
  std::vector<uint64_t> numbers = datamesh::fuzz::Numbers(datamesh::fuzz::TakeLine(text), 1 << 16);
  const std::string_view body = text;

  std::string boundary = "XyZ";
  absl::StatusOr<std::string> parsed = datamesh::gateway::MultipartBoundary(content_type);
  if (parsed.ok()) {
    FUZZ_CHECK(datamesh::gateway::IsMultipartFormData(content_type));
    FUZZ_CHECK(!parsed->empty() && parsed->size() <= 70);
    for (char c : *parsed) FUZZ_CHECK(c >= 0x20 && c <= 0x7e);
    boundary = *parsed;
  } else {
    FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  }

  const size_t read_size = numbers.size() > 0 ? std::max<uint64_t>(1, numbers[0]) : 64 * 1024;
  const size_t buffer_size = numbers.size() > 1 ? std::max<uint64_t>(1, numbers[1]) : 64 * 1024;
  std::vector<uint64_t> pieces;
  if (numbers.size() > 2) pieces.assign(numbers.begin() + 2, numbers.end());

  PieceBody cut(body, pieces);
  const Outcome streamed = ReadAll(cut, boundary, read_size, buffer_size);
  PieceBody whole_body(body, {});
  const size_t everything = body.size() + 1;  // one read takes the whole body
  const Outcome whole = ReadAll(whole_body, boundary, everything, everything);

  FUZZ_CHECK(streamed.status.ok() == whole.status.ok());
  if (whole.status.ok()) {
    FUZZ_CHECK(streamed.filename == whole.filename);
    FUZZ_CHECK(streamed.content_type == whole.content_type);
    FUZZ_CHECK(streamed.content == whole.content);
    FUZZ_CHECK(whole.content.size() <= body.size());
    FUZZ_CHECK(whole.content.find("\r\n--" + boundary) == std::string::npos);
  }
  return 0;
}
