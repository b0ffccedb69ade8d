#include "services/gateway/transfer/file_download.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/gateway/http/api_error.h"
#include "services/gateway/limits/download_bandwidth.h"
#include "services/gateway/transfer/byte_range.h"
#include "services/gateway/upstream/rpc_status.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway {
namespace {

namespace fv1 = file::v1;

bool IsAttrChar(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

void SetFileHeaders(const fv1::File& file, http::ResponseWriter& w) {
  w.SetHeader("Content-Type",
              file.content_type().empty() ? "application/octet-stream" : file.content_type());
  w.SetHeader("ETag", absl::StrCat("\"", file.sha256(), "\""));
  w.SetHeader("Content-Disposition", ContentDisposition(file.name()));
  w.SetHeader("Accept-Ranges", "bytes");
}

// Streams the Download of `spec`'s part to `w`, paying for the bytes through `meter` before they
// go out.
void Stream(const ApiContext& ctx, const Caller& caller, std::string_view request_id,
            const DownloadSpec& spec, DownloadMeter& meter, http::ResponseWriter& w) {
  grpc::ClientContext context;
  PrepareContext(context, request_id, absl::InfiniteDuration());
  fv1::DownloadRequest req;
  req.set_file_id(spec.file_id);
  req.set_owner_id(caller.user_id);
  req.set_private_key(caller.private_key);
  const bool partial = spec.range.kind == RangeRequest::Kind::kPartial;
  req.set_offset(partial ? spec.range.offset : 0);
  if (partial) req.set_length(spec.range.length);
  auto stream = ctx.clients->file().Download(&context, req);
  fv1::DownloadResponse message;
  if (!stream->Read(&message)) {
    spec.write_error(StatusFromRpc(stream->Finish(), context), w);
    return;
  }
  const uint64_t length = message.header().length();
  // Refusals come before the headers, so they are still a clean 403. Past one step the whole
  // length is checked against the month first; up to a step, paying for it is that check.
  if (length > kBandwidthStep) {
    const CallOrigin origin{std::string(request_id)};
    if (absl::Status s = CheckDownloadBandwidth(ctx, caller, origin, length); !s.ok()) {
      context.TryCancel();
      return spec.write_error(s, w);
    }
  }
  meter.ExpectTotal(length);
  if (absl::Status paid = meter.Admit(std::min(length, kBandwidthStep)); !paid.ok()) {
    context.TryCancel();
    return spec.write_error(paid, w);
  }
  if (partial) {
    w.SetStatus(206);
    w.SetHeader("Content-Range",
                absl::StrCat("bytes ", message.header().offset(), "-",
                             message.header().offset() + length - 1, "/", spec.size));
  }
  spec.set_headers(message.header().file(), w);
  if (!w.BeginStream(length).ok()) {
    context.TryCancel();
    return;
  }
  do {
    const size_t bytes = message.chunk().size();
    // A refused step or a client that went away ends the body short; the server then closes
    // the connection, so the client sees an incomplete response, never a complete wrong one.
    if (bytes > 0 && (!meter.Admit(bytes).ok() || !w.Write(message.chunk()).ok())) {
      context.TryCancel();
      return;
    }
    meter.Sent(bytes);
  } while (stream->Read(&message));
  // On a failed stream Finish() on the writer closes the short response.
  (void)stream->Finish();
  (void)w.Finish();
}

// The REST download of `file_id`: the whole file unless a range is set; errors answered as JSON.
DownloadSpec RestSpec(const std::string& file_id) {
  return DownloadSpec{.file_id = file_id,
                      .set_headers = SetFileHeaders,
                      .write_error = [](const absl::Status& s, http::ResponseWriter& out) {
                        WriteApiError(out, s);
                      }};
}

}  // namespace

std::string ContentDisposition(std::string_view name) {
  const size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name = name.substr(slash + 1);
  std::string ascii;
  std::string encoded;
  for (unsigned char c : name) {
    ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    if (IsAttrChar(c)) {
      encoded += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(&encoded, "%%%02X", static_cast<unsigned>(c));
    }
  }
  return absl::StrCat("attachment; filename=\"", ascii, "\"; filename*=UTF-8''", encoded);
}

void HandleDownload(const ApiContext& ctx, const Caller& caller, const http::Request& r,
                    http::ResponseWriter& w) {
  fv1::StatRequest stat_req;
  stat_req.set_file_id(std::string(r.path_param("id").value_or("")));
  // A whole GET needs no Stat: the Download stream's first message carries the file and its
  // length, so a small file costs one call to file-ingest (and one query there), not two.
  if (!r.is_head() && !r.header("Range").has_value()) {
    return StreamFileDownload(ctx, caller, r.request_id(), RestSpec(stat_req.file_id()), w);
  }
  stat_req.set_owner_id(caller.user_id);
  fv1::StatResponse stat;
  if (!Unary(ctx, r, w, [&](auto& c) { return ctx.clients->file().Stat(&c, stat_req, &stat); })) {
    return;
  }
  const uint64_t size = stat.file().size();
  const RangeRequest range = ParseRange(r.header("Range"), size);
  if (range.kind == RangeRequest::Kind::kUnsatisfiable) {
    w.SetHeader("Content-Range", absl::StrCat("bytes */", size));
    return WriteApiError(w, http::WithHttpError(absl::OutOfRangeError("range not satisfiable"), 416,
                                                "RANGE_NOT_SATISFIABLE"));
  }
  if (r.is_head()) {
    const bool partial = range.kind == RangeRequest::Kind::kPartial;
    if (partial) {
      w.SetStatus(206);
      w.SetHeader("Content-Range", absl::StrCat("bytes ", range.offset, "-",
                                                range.offset + range.length - 1, "/", size));
    }
    SetFileHeaders(stat.file(), w);
    // Headers only: the server sends no body for HEAD and keeps the connection.
    (void)w.BeginStream(partial ? range.length : size);
    return;
  }
  DownloadSpec spec = RestSpec(stat_req.file_id());
  spec.range = range;
  spec.size = size;
  StreamFileDownload(ctx, caller, r.request_id(), spec, w);
}

void StreamFileDownload(const ApiContext& ctx, const Caller& caller, std::string_view request_id,
                        const DownloadSpec& spec, http::ResponseWriter& w) {
  const CallOrigin origin{std::string(request_id)};
  absl::StatusOr<TransferSlots::Slot> slot = ctx.transfers->Acquire(caller.user_id);
  if (!slot.ok()) return spec.write_error(slot.status(), w);
  DownloadMeter meter(ctx, caller, origin);
  Stream(ctx, caller, request_id, spec, meter, w);
}

}  // namespace datamesh::gateway
