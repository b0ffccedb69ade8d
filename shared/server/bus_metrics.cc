#include "shared/server/bus_metrics.h"

#include <set>
#include <vector>

namespace datamesh::server {

// One Prometheus counter per BusStats field, advanced by the change since the last refresh
// (BusStats are totals since Connect; a Prometheus counter only moves forward).
struct BusMetrics::Counters {
  struct Field {
    uint64_t bus::BusStats::*value;
    prometheus::Counter* counter;
  };
  std::vector<Field> fields;
  bus::BusStats last;
};

namespace {

prometheus::Counter& CounterOf(prometheus::Registry& registry, const std::string& name,
                               const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

BusMetrics::BusMetrics(bus::Bus& bus, prometheus::Registry& registry, absl::Duration interval)
    : bus_(bus),
      pending_(prometheus::BuildGauge()
                   .Name("datamesh_bus_consumer_pending")
                   .Help("Events of a durable consumer's stream not yet handed to it (the "
                         "JetStream server's view; replicas sharing the durable agree)")
                   .Register(registry)),
      ack_pending_(prometheus::BuildGauge()
                       .Name("datamesh_bus_consumer_ack_pending")
                       .Help("Events handed to a durable consumer and not yet acknowledged")
                       .Register(registry)),
      counters_(std::make_unique<Counters>()) {
  const std::string p = "datamesh_bus_";
  auto add = [&](uint64_t bus::BusStats::*field, const std::string& name, const std::string& help) {
    counters_->fields.push_back({field, &CounterOf(registry, p + name + "_total", help)});
  };
  add(&bus::BusStats::disconnects, "disconnects", "NATS connection losses");
  add(&bus::BusStats::reconnects, "reconnects", "NATS reconnections");
  add(&bus::BusStats::malformed_dropped, "malformed_dropped",
      "Undecodable event payloads dropped");
  add(&bus::BusStats::handler_failures, "handler_failures",
      "Durable event handlers that failed (the event comes again)");
  add(&bus::BusStats::ack_failures, "ack_failures",
      "Acknowledgements the server did not confirm (the event comes again)");
  add(&bus::BusStats::duplicate_publishes, "duplicate_publishes",
      "Durable publishes the stream recognised as repeats");
  add(&bus::BusStats::async_errors, "async_errors",
      "libnats asynchronous errors, e.g. slow-consumer drops");
  add(&bus::BusStats::fetch_errors, "fetch_errors", "Durable consumer pulls that failed");
  task_ = std::make_unique<PeriodicTask>(interval, [this] { Refresh(); });
}

BusMetrics::~BusMetrics() { Stop(); }

void BusMetrics::Stop() {
  if (task_) task_->Stop();
}

void BusMetrics::Refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  RefreshCounters();
  RefreshConsumers();
}

void BusMetrics::RefreshCounters() {
  const bus::BusStats now = bus_.Stats();
  for (const Counters::Field& f : counters_->fields) {
    const uint64_t before = counters_->last.*f.value;
    if (now.*f.value > before) f.counter->Increment(static_cast<double>(now.*f.value - before));
  }
  counters_->last = now;
}

void BusMetrics::RefreshConsumers() {
  std::set<ConsumerKey> running;
  for (auto& [stream, durable] : bus_.DurableConsumers()) running.emplace(stream, durable);
  for (auto it = consumers_.begin(); it != consumers_.end();) {
    if (running.contains(it->first)) {
      ++it;
      continue;
    }
    pending_.Remove(it->second.pending);
    ack_pending_.Remove(it->second.ack_pending);
    it = consumers_.erase(it);
  }
  for (const ConsumerKey& key : running) {
    absl::StatusOr<bus::ConsumerState> state = bus_.GetConsumerState(key.first, key.second);
    if (!state.ok()) continue;  // NATS away: the last figures stand until it answers
    auto [it, added] = consumers_.try_emplace(key);
    if (added) {
      const std::map<std::string, std::string> labels{{"stream", key.first},
                                                       {"consumer", key.second}};
      it->second = {&pending_.Add(labels), &ack_pending_.Add(labels)};
    }
    it->second.pending->Set(static_cast<double>(state->pending));
    it->second.ack_pending->Set(static_cast<double>(state->ack_pending));
  }
}

}  // namespace datamesh::server
