#include "services/gateway/routes/file_routes.h"

#include <google/protobuf/struct.pb.h>

#include <charconv>

#include "services/gateway/transfer/file_download.h"
#include "services/gateway/transfer/file_upload.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway {
namespace {

namespace fv1 = file::v1;
using http::BodyReader;
using http::Request;
using http::ResponseWriter;
using Files = fv1::FileService::StubInterface;

std::string FileId(const Request& r) { return std::string(r.path_param("id").value_or("")); }

void List(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  absl::StatusOr<uint32_t> limit = ParseLimit(r.query_param("limit"));
  if (!limit.ok()) return WriteApiError(w, limit.status());
  fv1::ListRequest req;
  req.set_owner_id(caller.user_id);
  req.set_prefix(std::string(r.query_param("prefix").value_or("")));
  req.mutable_page()->set_limit(*limit);
  req.mutable_page()->set_cursor(std::string(r.query_param("cursor").value_or("")));
  Forward(ctx, r, w, ctx.clients->file(), &Files::List, req);
}

// A file's metadata without its bytes (HEAD gives only headers).
void Stat(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  fv1::StatRequest req;
  req.set_file_id(FileId(r));
  req.set_owner_id(caller.user_id);
  Forward(ctx, r, w, ctx.clients->file(), &Files::Stat, req);
}

void Delete(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  fv1::DeleteRequest req;
  req.set_file_id(FileId(r));
  req.set_owner_id(caller.user_id);
  req.set_actor_id(caller.user_id);
  Forward(ctx, r, w, ctx.clients->file(), &Files::Delete, req, 204);
}

// The body {"name"?, "tags"?}; the update mask names the keys present, so `"tags": {}` clears
// the tags while an absent "tags" keeps them.
absl::Status ParseMetadataBody(const ApiContext& ctx, BodyReader& body,
                               fv1::UpdateMetadataRequest* req) {
  std::string text;
  if (absl::Status s = ReadBody(body, ctx.json.max_bytes, &text); !s.ok()) return s;
  if (text.empty()) return absl::InvalidArgumentError("a JSON body is required");
  google::protobuf::Struct keys;
  if (absl::Status s = ParseJson(text, ctx.json, &keys); !s.ok()) return s;
  for (const auto& [key, value] : keys.fields()) {
    if (key != "name" && key != "tags") {
      return absl::InvalidArgumentError("only \"name\" and \"tags\" can be changed");
    }
  }
  if (absl::Status s = ParseJson(text, ctx.json, req); !s.ok()) return s;
  if (keys.fields().count("name") > 0) req->mutable_update_mask()->add_paths("name");
  if (keys.fields().count("tags") > 0) req->mutable_update_mask()->add_paths("tags");
  if (req->update_mask().paths().empty()) {
    return absl::InvalidArgumentError("nothing to change: give \"name\" and/or \"tags\"");
  }
  return absl::OkStatus();
}

void UpdateMetadata(const ApiContext& ctx, const Caller& caller, const Request& r, BodyReader& body,
                    ResponseWriter& w) {
  fv1::UpdateMetadataRequest req;
  if (absl::Status s = ParseMetadataBody(ctx, body, &req); !s.ok()) return WriteApiError(w, s);
  req.set_file_id(FileId(r));
  req.set_owner_id(caller.user_id);
  Forward(ctx, r, w, ctx.clients->file(), &Files::UpdateMetadata, req);
}

void Health(const ApiContext& ctx, const Caller& caller, const Request& r, ResponseWriter& w) {
  fv1::GetHealthRequest req;
  req.set_file_id(FileId(r));
  req.set_owner_id(caller.user_id);
  Forward(ctx, r, w, ctx.clients->file(), &Files::GetHealth, req);
}

// Adapts a handler that ignores the body.
template <typename F>
AuthedHandler NoBody(const ApiContext& ctx, F f) {
  return [&ctx, f](const Caller& c, const Request& r, BodyReader&, ResponseWriter& w) {
    f(ctx, c, r, w);
  };
}

}  // namespace

absl::StatusOr<uint32_t> ParseLimit(std::optional<std::string_view> text) {
  if (!text || text->empty()) return 100;
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 1 || value > 1000) {
    return absl::InvalidArgumentError("limit must be an integer from 1 to 1000");
  }
  return value;
}

void AddFileRoutes(http::Router& router, const ApiContext& ctx) {
  const http::RouteOptions json{.body_limit = ctx.json.max_bytes};
  router.Handle("POST", "/api/v1/files",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader& b,
                                   ResponseWriter& w) { HandleUpload(ctx, c, r, b, w); }),
                http::RouteOptions{.body_limit = ctx.max_upload_bytes, .transfer = true});
  router.Handle("GET", "/api/v1/files", Authed(ctx, NoBody(ctx, List)));
  router.Handle("GET", "/api/v1/files/{id}",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader&,
                                   ResponseWriter& w) { HandleDownload(ctx, c, r, w); }),
                http::RouteOptions{.transfer = true});
  router.Handle("DELETE", "/api/v1/files/{id}", Authed(ctx, NoBody(ctx, Delete)));
  router.Handle("GET", "/api/v1/files/{id}/metadata", Authed(ctx, NoBody(ctx, Stat)));
  router.Handle("PUT", "/api/v1/files/{id}/metadata",
                Authed(ctx, [&ctx](const Caller& c, const Request& r, BodyReader& b,
                                   ResponseWriter& w) { UpdateMetadata(ctx, c, r, b, w); }),
                json);
  router.Handle("GET", "/api/v1/files/{id}/health", Authed(ctx, NoBody(ctx, Health)));
}

}  // namespace datamesh::gateway
