-- What governance decided about storage nodes, learnt from its durable events
-- (governance.operator.admitted / removed, governance.node.vetted / disqualified) and from
-- executed proposals of the parameters dht owns. Placement uses only nodes of admitted
-- operators that are not disqualified, and limits unvetted nodes to a share of placements.

-- One row per operator governance has announced. The latest event per operator wins: an event
-- older than `decided_at` (redelivered late) changes nothing.
CREATE TABLE IF NOT EXISTS dht.operators (
  operator_id text PRIMARY KEY CHECK (operator_id <> ''),
  admitted    boolean NOT NULL,
  decided_at  timestamptz NOT NULL,
  event_id    text NOT NULL
);

-- One row per node governance has named. `operator_id` is the operator whose latest event
-- lists the node ('' once no event lists it); the node is admitted when that operator is.
-- `vetted` and `disqualified` only ever turn true: disqualification is final for the node id.
CREATE TABLE IF NOT EXISTS dht.node_admission (
  node_id             text PRIMARY KEY CHECK (node_id ~ '^[0-9a-f]{64}$'),
  operator_id         text NOT NULL DEFAULT '',
  vetted              boolean NOT NULL DEFAULT false,
  disqualified        boolean NOT NULL DEFAULT false,
  disqualified_reason text NOT NULL DEFAULT '',
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS node_admission_operator ON dht.node_admission (operator_id);

-- Governance parameters dht owns, as last set by an executed proposal (absent: the flag's
-- default), e.g. ('vetting.placementShare', '0.1').
CREATE TABLE IF NOT EXISTS dht.settings (
  key         text PRIMARY KEY,
  value       text NOT NULL,
  proposal_id text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
