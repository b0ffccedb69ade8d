-- Releases of a node's key binding (governance.node_keys) by an admin: the binding is trust on
-- first use, so freeing it is an audited act. One row per release, never updated.
CREATE TABLE IF NOT EXISTS governance.node_key_releases (
  id          bigserial PRIMARY KEY,
  node_id     text NOT NULL CHECK (node_id ~ '^[0-9a-f]{64}$'),
  public_key  text NOT NULL,
  -- The operator that held the node then ('' when none did); the node leaves it.
  operator_id text NOT NULL,
  actor_id    text NOT NULL,
  reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  released_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS node_key_releases_node_idx ON governance.node_key_releases (node_id);
