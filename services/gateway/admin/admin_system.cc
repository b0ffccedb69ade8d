#include "services/gateway/admin/admin_system.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/gateway/upstream/rpc_status.h"

namespace datamesh::gateway {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using google::protobuf::util::TimeUtil;

// Counting users pages through ListUsers; beyond this many pages the count is marked partial.
constexpr int kMaxUserPages = 100;

Value Num(double v) {
  Value value;
  value.set_number_value(v);
  return value;
}
Value Str(std::string v) {
  Value value;
  value.set_string_value(std::move(v));
  return value;
}
Value Bool(bool v) {
  Value value;
  value.set_bool_value(v);
  return value;
}
Value Obj(Struct s) {
  Value value;
  *value.mutable_struct_value() = std::move(s);
  return value;
}
std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

// Runs a unary call for the system view; the failure becomes a line of "unavailable".
template <typename Call>
bool Ask(const ApiContext& ctx, const http::Request& r, const char* what, Call call,
         Value* unavailable) {
  grpc::ClientContext context;
  PrepareContext(context, r.request_id(), ctx.rpc_timeout);
  grpc::Status rpc = call(context);
  if (rpc.ok()) return true;
  absl::Status status = StatusFromRpc(rpc, context);
  *unavailable->mutable_list_value()->add_values() =
      Str(absl::StrCat(what, ": ", absl::StatusCodeToString(status.code())));
  return false;
}

Struct Gateway(const ApiContext& ctx, absl::Time now) {
  Struct s;
  (*s.mutable_fields())["version"] = Str(ctx.version);
  (*s.mutable_fields())["instanceId"] = Str(ctx.instance_id);
  (*s.mutable_fields())["startedAt"] = Str(Rfc3339(ctx.started_at));
  (*s.mutable_fields())["uptimeSeconds"] =
      Num(static_cast<double>(absl::ToInt64Seconds(now - ctx.started_at)));
  return s;
}

Value Services(const ApiContext& ctx, absl::Time now) {
  Value list;
  list.mutable_list_value();
  for (const auto& [name, instances] : ctx.services->Snapshot(now, ctx.heartbeat_window)) {
    Struct service;
    (*service.mutable_fields())["name"] = Str(name);
    Value& out = (*service.mutable_fields())["instances"];
    out.mutable_list_value();
    for (const ServiceDirectory::Instance& i : instances) {
      Struct instance;
      auto& f = *instance.mutable_fields();
      f["instanceId"] = Str(i.heartbeat.instance_id());
      f["version"] = Str(i.heartbeat.version());
      f["grpcAddress"] = Str(i.heartbeat.grpc_address());
      f["serving"] = Bool(i.heartbeat.serving());
      if (i.heartbeat.has_started_at()) {
        f["startedAt"] = Str(TimeUtil::ToString(i.heartbeat.started_at()));
      }
      f["lastSeen"] = Str(Rfc3339(i.last_seen));
      *out.mutable_list_value()->add_values() = Obj(std::move(instance));
    }
    *list.mutable_list_value()->add_values() = Obj(std::move(service));
  }
  return list;
}

// Node counts from every page of DhtService.ListNodes; false when dht did not answer.
bool Nodes(const ApiContext& ctx, const http::Request& r, Struct* out, Value* unavailable) {
  double total = 0, up = 0, writable = 0, capacity = 0, used = 0, shards = 0;
  dht::v1::ListNodesRequest req;
  req.mutable_page()->set_limit(1000);
  while (true) {
    dht::v1::ListNodesResponse resp;
    if (!Ask(
            ctx, r, "dht", [&](auto& c) { return ctx.clients->dht().ListNodes(&c, req, &resp); },
            unavailable)) {
      return false;
    }
    for (const dht::v1::Node& node : resp.nodes()) {
      ++total;
      up += node.state() == dht::v1::NODE_STATE_UP ? 1 : 0;
      writable += node.writable() ? 1 : 0;
      capacity += static_cast<double>(node.capacity_bytes());
      used += static_cast<double>(node.used_bytes());
      shards += static_cast<double>(node.shard_count());
    }
    if (!resp.has_next_cursor() || resp.nodes().empty()) break;
    req.mutable_page()->set_cursor(resp.next_cursor());
  }
  auto& f = *out->mutable_fields();
  f["total"] = Num(total);
  f["up"] = Num(up);
  f["down"] = Num(total - up);
  f["writable"] = Num(writable);
  f["capacityBytes"] = Num(capacity);
  f["usedBytes"] = Num(used);
  f["shards"] = Num(shards);
  return true;
}

// Users (AuthService) and files/bytes (FileService) into `out`; each part only if it answered.
void Totals(const ApiContext& ctx, const Caller& caller, const http::Request& r, Struct* out,
            Value* unavailable) {
  auto& f = *out->mutable_fields();
  auth::v1::ListUsersRequest req;
  req.set_actor_id(caller.user_id);
  req.mutable_page()->set_limit(1000);
  double users = 0;
  bool complete = false;
  for (int page = 0; page < kMaxUserPages; ++page) {
    auth::v1::ListUsersResponse resp;
    if (!Ask(
            ctx, r, "auth", [&](auto& c) { return ctx.clients->auth().ListUsers(&c, req, &resp); },
            unavailable)) {
      break;
    }
    users += resp.users_size();
    if (!resp.has_next_cursor() || resp.users().empty()) {
      complete = true;
      break;
    }
    req.mutable_page()->set_cursor(resp.next_cursor());
  }
  if (users > 0 || complete) {
    f["users"] = Num(users);
    if (!complete) f["usersPartial"] = Bool(true);
  }
  file::v1::GetUsageSummaryResponse summary;
  if (Ask(
          ctx, r, "file-ingest",
          [&](auto& c) {
            return ctx.clients->file().GetUsageSummary(&c, file::v1::GetUsageSummaryRequest(),
                                                       &summary);
          },
          unavailable)) {
    f["files"] = Num(static_cast<double>(summary.file_count()));
    f["logicalBytes"] = Num(static_cast<double>(summary.logical_bytes()));
    f["storedBytes"] = Num(static_cast<double>(summary.stored_bytes()));
    f["owners"] = Num(static_cast<double>(summary.owner_count()));
  }
}

}  // namespace

void HandleSystem(const ApiContext& ctx, const Caller& caller, const http::Request& r,
                  http::ResponseWriter& w) {
  const absl::Time now = absl::Now();
  Struct body;
  auto& f = *body.mutable_fields();
  Value unavailable;
  unavailable.mutable_list_value();
  f["gateway"] = Obj(Gateway(ctx, now));
  if (ctx.services != nullptr) {
    f["services"] = Services(ctx, now);
  } else {
    *unavailable.mutable_list_value()->add_values() = Str("services: no NATS connection");
  }
  Struct nodes;
  if (Nodes(ctx, r, &nodes, &unavailable)) f["nodes"] = Obj(std::move(nodes));
  Struct totals;
  Totals(ctx, caller, r, &totals, &unavailable);
  f["totals"] = Obj(std::move(totals));
  f["unavailable"] = std::move(unavailable);
  WriteJson(w, 200, body);
}

}  // namespace datamesh::gateway
