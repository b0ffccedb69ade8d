// Creating a credential that carries the caller's private key (an API key, an S3 key): auth
// seals that key under the new secret, which needs the caller's own live bearer secret to
// unseal it first. Both credential routes create through this one call.
#pragma once

#include <string>

#include "datamesh/auth/v1/auth.grpc.pb.h"
#include "services/gateway/routes/api_context.h"
#include "services/gateway/upstream/unary_call.h"

namespace datamesh::gateway {

// Parses the JSON body into `Req`, sets the caller and source address, calls `method` with the
// caller's bearer secret (Authed() validated the header, so it is there) and answers 201 with
// the response, or the mapped error.
template <typename Req, typename Resp>
void CreateSealedCredential(const ApiContext& ctx, const Caller& caller, const http::Request& r,
                            http::BodyReader& body, http::ResponseWriter& w,
                            StubMethod<auth::v1::AuthService::StubInterface, Req, Resp> method) {
  Req req;
  if (absl::Status s = ParseJsonBody(body, ctx.json, &req); !s.ok()) return WriteApiError(w, s);
  req.set_user_id(caller.user_id);
  req.set_source_ip(SourceIp(ctx, r));
  Resp resp;
  const std::string bearer = "Bearer " + BearerToken(r).value_or("");
  if (Unary(ctx, r, w, [&](grpc::ClientContext& c) {
        c.AddMetadata("authorization", bearer);
        return (ctx.clients->auth().*method)(&c, req, &resp);
      })) {
    WriteJson(w, 201, resp);
  }
}

}  // namespace datamesh::gateway
