// The JetStream stream that carries the dht's membership changes.
//
// node.up and node.down must reach file-ingest's repair worker even if it is down when they
// happen, so they go through JetStream. The project's standard stream (DM_EVENTS, see
// shared/bus/jetstream_config.h) does not capture dm.v1.node.*, and node.heartbeat must stay on
// core NATS, so dht declares this stream of its own with exactly the two durable subjects.
// Consumers (e.g. a repair worker) bind a durable consumer to stream "DM_NODES".
#pragma once

#include "shared/bus/jetstream_config.h"

namespace datamesh::dht {

inline constexpr char kNodeEventsStreamName[] = "DM_NODES";

inline bus::StreamConfig NodeEventsStream(int replicas = 1) {
  bus::StreamConfig config;
  config.name = kNodeEventsStreamName;
  config.subjects = {"dm.v1.node.up", "dm.v1.node.down"};
  config.replicas = replicas;
  return config;
}

}  // namespace datamesh::dht
