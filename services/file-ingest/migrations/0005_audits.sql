-- Storage nodes governance disqualified (governance.node.disqualified): their shards count as
-- lost, so repair rebuilds them elsewhere, and maintenance no longer treats them as live.
-- Disqualification is final, so rows are only ever added.
CREATE TABLE IF NOT EXISTS files.disqualified_nodes (
  node_id           text PRIMARY KEY,
  reason            text NOT NULL,
  disqualified_at   timestamptz NOT NULL DEFAULT now()
);
