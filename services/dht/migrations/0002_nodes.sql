-- The storage nodes dht knows, so a restarted replica remembers the network before the next
-- heartbeats arrive. Counters (used bytes, shard count, last_seen) are written behind, in
-- batches; state changes are written at once, each by exactly one replica (the UPDATE that
-- finds the row in the old state wins and publishes node.up / node.down).
CREATE TABLE IF NOT EXISTS dht.nodes (
  node_id          text PRIMARY KEY CHECK (node_id ~ '^[0-9a-f]{64}$'),
  address          text NOT NULL,
  zone             text NOT NULL,
  capacity_bytes   bigint NOT NULL CHECK (capacity_bytes >= 0),
  used_bytes       bigint NOT NULL CHECK (used_bytes >= 0),
  shard_count      bigint NOT NULL CHECK (shard_count >= 0),
  -- The node's own judgement: 0 unspecified, 1 ok, 2 degraded, 3 read-only (events.v1.NodeHealth).
  health           smallint NOT NULL CHECK (health BETWEEN 0 AND 3),
  operator_id      text NOT NULL DEFAULT '',
  state            text NOT NULL CHECK (state IN ('up', 'down')),
  -- When `state` last changed: node.up's down_for is measured from it.
  state_changed_at timestamptz NOT NULL,
  first_seen       timestamptz NOT NULL,
  last_seen        timestamptz NOT NULL
);
