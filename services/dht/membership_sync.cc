#include "services/dht/membership_sync.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/dht/dht_converter.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"
#include "shared/status/status.h"

namespace datamesh::dht {
namespace {

prometheus::Counter& MakeCounter(prometheus::Registry& registry, const std::string& name,
                                 const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Gauge& NodesGauge(prometheus::Registry& registry, const std::string& state) {
  return prometheus::BuildGauge()
      .Name("datamesh_dht_nodes")
      .Help("Storage nodes this replica knows, by state")
      .Register(registry)
      .Add({{"state", state}});
}

}  // namespace

MembershipSync::MembershipSync(Membership& membership, NodeStore& store, Publisher publish,
                               std::string source, SyncOptions options,
                               prometheus::Registry& metrics)
    : membership_(membership),
      store_(store),
      publish_(std::move(publish)),
      source_(std::move(source)),
      options_(options),
      heartbeats_(
          MakeCounter(metrics, "datamesh_dht_heartbeats_total", "node.heartbeat events applied")),
      malformed_(MakeCounter(metrics, "datamesh_dht_heartbeats_malformed_total",
                             "node.heartbeat events dropped as malformed")),
      published_(prometheus::BuildCounter()
                     .Name("datamesh_dht_node_events_published_total")
                     .Help("node.up / node.down events this replica published")
                     .Register(metrics)),
      store_errors_(MakeCounter(metrics, "datamesh_dht_store_errors_total",
                                "failed PostgreSQL writes of membership (retried)")),
      nodes_up_(NodesGauge(metrics, "up")),
      nodes_down_(NodesGauge(metrics, "down")) {}

bool MembershipSync::OnHeartbeat(const events::v1::Event& event, absl::Time now) {
  if (!event.has_node_heartbeat()) {
    malformed_.Increment();
    return false;
  }
  auto node = NodeFromHeartbeat(event.node_heartbeat());
  if (!node.ok()) {
    malformed_.Increment();
    log::Warn("dropped a malformed node heartbeat",
              {{"error", node.status().ToString()}, {"source", event.source()}});
    return false;
  }
  heartbeats_.Increment();
  const Membership::Change change = membership_.Observe(*node, now);
  if (change == Membership::Change::kCounters) return false;
  news_ = true;
  return true;
}

void MembershipSync::RunOnce(absl::Time now) {
  if (news_.exchange(false)) flush_now_ = true;
  for (const NodeInfo& node : membership_.ExpireSilent(now, options_.node_timeout)) {
    log::Warn("node silent, declared down",
              {{"node_id", ToHex(node.id)}, {"address", node.address}, {"zone", node.zone}});
  }
  for (const Membership::Pending& pending : membership_.PendingTransitions()) {
    Record(pending, now);
  }
  if (flush_now_ || now - last_flush_ >= options_.flush_interval) Flush(now);
  nodes_up_.Set(static_cast<double>(membership_.Count(NodeState::kUp)));
  nodes_down_.Set(static_cast<double>(membership_.Count(NodeState::kDown)));
}

void MembershipSync::Record(const Membership::Pending& pending, absl::Time now) {
  const NodeInfo& node = pending.node;
  if (!pending.registered) {
    // The event id is fixed before the transaction, so a rerun of it publishes the same event
    // and the stream de-duplicates it.
    events::v1::Event event = bus::NewEvent("node.up", source_);
    auto registration = store_.Register(node, [&]() -> absl::Status {
      events::v1::NodeUp* up = event.mutable_node_up();
      up->set_node_id(ToHex(node.id));
      up->set_address(node.address);
      up->set_zone(node.zone);
      up->set_first_seen(true);
      return publish_(event);
    });
    if (!registration.ok()) {
      store_errors_.Increment();
      log::Warn("could not register node",
                {{"node_id", ToHex(node.id)}, {"error", registration.status().ToString()}});
      return;
    }
    if (registration->inserted) {
      published_.Add({{"event", "node.up"}}).Increment();
      log::Info("node joined",
                {{"node_id", ToHex(node.id)}, {"address", node.address}, {"zone", node.zone}});
    }
    membership_.MarkRecorded(node.id, registration->state);
    if (registration->state == node.state) return;
  }
  if (absl::Status s = RecordTransition(node, now); !s.ok()) {
    store_errors_.Increment();
    log::Warn("could not record node state",
              {{"node_id", ToHex(node.id)}, {"error", s.ToString()}});
  }
}

absl::Status MembershipSync::RecordTransition(const NodeInfo& node, absl::Time now) {
  const bool up = node.state == NodeState::kUp;
  events::v1::Event event = bus::NewEvent(up ? "node.up" : "node.down", source_);
  ASSIGN_OR_RETURN(bool changed, store_.Transition(node.id, node.state, [&](absl::Time since) {
    if (up) {
      events::v1::NodeUp* payload = event.mutable_node_up();
      payload->set_node_id(ToHex(node.id));
      payload->set_address(node.address);
      payload->set_zone(node.zone);
      SetDuration(now - since, payload->mutable_down_for());
    } else {
      events::v1::NodeDown* payload = event.mutable_node_down();
      payload->set_node_id(ToHex(node.id));
      payload->set_address(node.address);
      payload->set_zone(node.zone);
      SetTimestamp(node.last_seen, payload->mutable_last_seen());
      payload->set_reason(
          absl::StrCat("no heartbeat for ", absl::FormatDuration(options_.node_timeout)));
    }
    return publish_(event);
  }));
  membership_.MarkRecorded(node.id, node.state);
  if (changed) {
    published_.Add({{"event", event.type()}}).Increment();
    log::Info(up ? "node up again" : "node down", {{"node_id", ToHex(node.id)}});
  }
  return absl::OkStatus();
}

void MembershipSync::Flush(absl::Time now) {
  std::vector<NodeInfo> dirty = membership_.TakeDirty();
  if (absl::Status s = store_.SaveDetails(dirty); !s.ok()) {
    store_errors_.Increment();
    membership_.MarkDirty(dirty);
    log::Warn("could not save node details", {{"error", s.ToString()}});
    return;  // flush_now_ stays set: retried next round
  }
  last_flush_ = now;
  flush_now_ = false;
}

}  // namespace datamesh::dht
