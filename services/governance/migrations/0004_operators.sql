-- Operators of storage nodes (operators/): who runs which nodes, their admission state, the key
-- each node proved possession of, and the single-use challenges those proofs sign.

CREATE TABLE IF NOT EXISTS governance.operators (
  id         text PRIMARY KEY,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- The user account that runs it: rewards go there, stake is its "staked" bucket.
  account_id text NOT NULL UNIQUE,
  state      text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'admitted', 'removed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- ListOperators pages by (name, id).
CREATE INDEX IF NOT EXISTS operators_name_idx ON governance.operators (name COLLATE "C", id);

-- The nodes an operator claimed; a node belongs to one operator.
CREATE TABLE IF NOT EXISTS governance.operator_nodes (
  node_id     text PRIMARY KEY CHECK (node_id ~ '^[0-9a-f]{64}$'),
  operator_id text NOT NULL REFERENCES governance.operators (id),
  claimed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS operator_nodes_operator_idx ON governance.operator_nodes (operator_id);

-- The Ed25519 key a node first proved possession of. Kept when the node changes operator:
-- later claims of the node must be signed by the same key, and one key backs one node.
CREATE TABLE IF NOT EXISTS governance.node_keys (
  node_id    text PRIMARY KEY CHECK (node_id ~ '^[0-9a-f]{64}$'),
  public_key text NOT NULL UNIQUE CHECK (public_key ~ '^[0-9a-f]{64}$'),
  bound_at   timestamptz NOT NULL DEFAULT now()
);

-- Challenges for proofs of possession: issued to one account, used once, short-lived.
CREATE TABLE IF NOT EXISTS governance.operator_challenges (
  challenge  text PRIMARY KEY CHECK (challenge ~ '^[0-9a-f]{64}$'),
  account_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX IF NOT EXISTS operator_challenges_expiry_idx
  ON governance.operator_challenges (expires_at);
