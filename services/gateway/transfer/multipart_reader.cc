#include "services/gateway/transfer/multipart_reader.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "services/gateway/transfer/http_ows.h"

namespace datamesh::gateway {
namespace {

constexpr size_t kMaxHeaderBlock = 8 * 1024;
// Whitespace a sender may put between a boundary and its CRLF (RFC 2046 transport padding).
constexpr size_t kMaxPadding = 256;

// Debian's Abseil has its own string_view type.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(Absl(a), Absl(b));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  absl::AsciiStrToLower(&out);
  return out;
}

// Parameters after the first ';' of a header value: key=token or key="quoted \"string\"".
// Keys are lower-cased. Malformed input ends the parse (what was read so far is kept).
std::map<std::string, std::string> HeaderParams(std::string_view value) {
  std::map<std::string, std::string> params;
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // past ';'
    const size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) break;
    const std::string key = Lower(TrimOws(value.substr(i, eq - i)));
    i = eq + 1;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    std::string text;
    if (i < value.size() && value[i] == '"') {
      for (++i; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        text += value[i];
      }
      if (i >= value.size()) break;  // unterminated quote
      i = value.find(';', i + 1);
    } else {
      const size_t end = value.find(';', i);
      text = std::string(TrimOws(value.substr(i, end == std::string_view::npos ? end : end - i)));
      i = end;
    }
    params.emplace(key, std::move(text));
  }
  return params;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 5987 ext-value "UTF-8'lang'percent-encoded"; nullopt when malformed or not UTF-8.
std::optional<std::string> DecodeExtValue(std::string_view value) {
  const size_t q1 = value.find('\'');
  const size_t q2 = q1 == std::string_view::npos ? q1 : value.find('\'', q1 + 1);
  if (q2 == std::string_view::npos || !EqualsIgnoreCase(value.substr(0, q1), "utf-8")) {
    return std::nullopt;
  }
  std::string out;
  for (size_t i = q2 + 1; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    if (i + 2 >= value.size()) return std::nullopt;
    const int hi = HexValue(value[i + 1]);
    const int lo = HexValue(value[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

struct PartHeaders {
  bool form_data = false;
  std::string name;
  std::string filename;
  std::string content_type;
};

absl::StatusOr<PartHeaders> ParsePartHeaders(std::string_view block) {
  PartHeaders part;
  for (absl::string_view piece : absl::StrSplit(Absl(block), "\r\n", absl::SkipEmpty())) {
    const std::string_view line(piece.data(), piece.size());
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError("malformed multipart part header");
    }
    const std::string name = Lower(TrimOws(line.substr(0, colon)));
    const std::string_view value = TrimOws(line.substr(colon + 1));
    if (name == "content-type") {
      part.content_type = std::string(value);
    } else if (name == "content-disposition") {
      const std::string_view kind = TrimOws(value.substr(0, value.find(';')));
      part.form_data = EqualsIgnoreCase(kind, "form-data");
      std::map<std::string, std::string> params = HeaderParams(value);
      part.name = params["name"];
      part.filename = params["filename"];
      if (auto it = params.find("filename*"); it != params.end()) {
        std::optional<std::string> decoded = DecodeExtValue(it->second);
        if (!decoded) return absl::InvalidArgumentError("malformed filename* in multipart part");
        part.filename = *std::move(decoded);
      }
    }
  }
  return part;
}

}  // namespace

bool IsMultipartFormData(std::string_view content_type) {
  const std::string_view type = TrimOws(content_type.substr(0, content_type.find(';')));
  return EqualsIgnoreCase(type, "multipart/form-data");
}

absl::StatusOr<std::string> MultipartBoundary(std::string_view content_type) {
  if (!IsMultipartFormData(content_type)) {
    return absl::InvalidArgumentError("multipart uploads must be multipart/form-data");
  }
  std::map<std::string, std::string> params = HeaderParams(content_type);
  auto it = params.find("boundary");
  if (it == params.end() || it->second.empty() || it->second.size() > 70) {
    return absl::InvalidArgumentError("multipart/form-data needs a boundary of 1-70 characters");
  }
  for (char c : it->second) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
      return absl::InvalidArgumentError("the multipart boundary has invalid characters");
    }
  }
  return it->second;
}

MultipartFileReader::MultipartFileReader(http::BodyReader& body, std::string boundary,
                                         size_t read_size)
    : body_(body),
      delimiter_("\r\n--" + boundary),
      read_size_(std::max<size_t>(read_size, 1)),
      // The first boundary may open the body with no CRLF before it: pretend there was one.
      pending_("\r\n") {}

absl::Status MultipartFileReader::Fail(absl::Status status) {
  state_ = State::kFailed;
  failure_ = std::move(status);
  return failure_;
}

void MultipartFileReader::Consume(size_t n) { offset_ += n; }

absl::StatusOr<bool> MultipartFileReader::Fill() {
  if (body_ended_) return false;
  pending_.erase(0, offset_);
  offset_ = 0;
  const size_t old = pending_.size();
  pending_.resize(old + read_size_);
  absl::StatusOr<size_t> n = body_.Read(pending_.data() + old, read_size_);
  pending_.resize(old + (n.ok() ? *n : 0));
  if (!n.ok()) return n.status();
  if (*n == 0) body_ended_ = true;
  return *n > 0;
}

size_t MultipartFileReader::ContentAvailable(bool* at_delimiter) const {
  const std::string_view pending = Pending();
  const size_t found = pending.find(delimiter_);
  *at_delimiter = found != std::string_view::npos;
  if (*at_delimiter) return found;
  // Hold back a tail that may be the start of a delimiter completed by the next read.
  for (size_t k = std::min(pending.size(), delimiter_.size() - 1); k > 0; --k) {
    if (pending.substr(pending.size() - k) == std::string_view(delimiter_).substr(0, k)) {
      return pending.size() - k;
    }
  }
  return pending.size();
}

void MultipartFileReader::Skip(bool* progressed) {
  bool at_delimiter = false;
  const size_t n = ContentAvailable(&at_delimiter);
  Consume(n);
  if (at_delimiter) {
    Consume(delimiter_.size());
    state_ = State::kAfterDelimiter;
  }
  *progressed = n > 0 || at_delimiter;
}

absl::Status MultipartFileReader::AfterDelimiter(bool* progressed) {
  const std::string_view pending = Pending();
  if (pending.size() >= 2 && pending.substr(0, 2) == "--") {
    Consume(2);
    state_ = State::kEpilogue;
    *progressed = true;
    return absl::OkStatus();
  }
  size_t i = 0;
  while (i < pending.size() && (pending[i] == ' ' || pending[i] == '\t')) ++i;
  if (i > kMaxPadding) return absl::InvalidArgumentError("malformed multipart boundary line");
  if (pending.size() < i + 2) return absl::OkStatus();  // need more bytes
  if (pending.substr(i, 2) != "\r\n") {
    return absl::InvalidArgumentError("malformed multipart boundary line");
  }
  Consume(i + 2);
  state_ = State::kHeaders;
  *progressed = true;
  return absl::OkStatus();
}

absl::Status MultipartFileReader::Headers(bool* progressed) {
  const std::string_view pending = Pending();
  size_t end = 0;
  size_t skip = 0;
  if (pending.size() >= 2 && pending.substr(0, 2) == "\r\n") {
    skip = 2;  // a part with no headers at all
  } else {
    end = pending.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      // Give up only once no blank line can start within the limit any more: a block of
      // exactly kMaxHeaderBlock bytes may be waiting for the last bytes of its "\r\n\r\n", and
      // where the client's reads happen to end must not decide whether a body is accepted.
      if (pending.size() >= kMaxHeaderBlock + 4) {
        return absl::InvalidArgumentError("multipart part headers are too large");
      }
      return absl::OkStatus();  // need more bytes
    }
    if (end > kMaxHeaderBlock) {
      return absl::InvalidArgumentError("multipart part headers are too large");
    }
    skip = end + 4;
  }
  absl::StatusOr<PartHeaders> part = ParsePartHeaders(pending.substr(0, end));
  if (!part.ok()) return part.status();
  Consume(skip);
  *progressed = true;
  if (!part->form_data || part->name != "file") {
    state_ = State::kSkipBody;  // other form fields are ignored
    return absl::OkStatus();
  }
  if (seen_file_) {
    return absl::InvalidArgumentError("exactly one multipart part named \"file\" is allowed");
  }
  seen_file_ = true;
  filename_ = std::move(part->filename);
  content_type_ = std::move(part->content_type);
  state_ = State::kFileBody;
  return absl::OkStatus();
}

absl::Status MultipartFileReader::Advance() {
  while (state_ != State::kFileBody && state_ != State::kDone) {
    bool progressed = false;
    absl::Status status;
    switch (state_) {
      case State::kPreamble:
      case State::kSkipBody: Skip(&progressed); break;
      case State::kAfterDelimiter: status = AfterDelimiter(&progressed); break;
      case State::kHeaders: status = Headers(&progressed); break;
      case State::kEpilogue:
        // Ignored by definition; read to the end so the body is known to be complete.
        progressed = !Pending().empty();
        Consume(Pending().size());
        break;
      case State::kFailed: return failure_;
      default: break;
    }
    if (!status.ok()) return Fail(std::move(status));
    if (progressed) continue;
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return Fail(more.status());
    if (*more) continue;
    if (state_ == State::kEpilogue) {
      state_ = State::kDone;
    } else {
      return Fail(absl::InvalidArgumentError("multipart body ended before its closing boundary"));
    }
  }
  return absl::OkStatus();
}

absl::Status MultipartFileReader::Start() {
  if (absl::Status s = Advance(); !s.ok()) return s;
  if (state_ != State::kFileBody) {
    return Fail(absl::InvalidArgumentError("the multipart body has no part named \"file\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> MultipartFileReader::Read(char* buffer, size_t size) {
  while (true) {
    if (state_ == State::kFailed) return failure_;
    if (state_ == State::kDone) return 0;
    if (state_ != State::kFileBody) {
      return absl::FailedPreconditionError("MultipartFileReader::Start must succeed first");
    }
    if (size == 0) return absl::InvalidArgumentError("Read needs a non-empty buffer");
    bool at_delimiter = false;
    const size_t available = ContentAvailable(&at_delimiter);
    if (available > 0) {
      const size_t n = std::min(available, size);
      std::memcpy(buffer, Pending().data(), n);
      Consume(n);
      return n;
    }
    if (at_delimiter) {
      // The file is complete; the rest must be well formed before the caller may commit.
      Consume(delimiter_.size());
      state_ = State::kAfterDelimiter;
      if (absl::Status s = Advance(); !s.ok()) return s;
      continue;
    }
    absl::StatusOr<bool> more = Fill();
    if (!more.ok()) return Fail(more.status());
    if (!*more) {
      return Fail(absl::InvalidArgumentError("multipart body ended inside the file part"));
    }
  }
}

}  // namespace datamesh::gateway
