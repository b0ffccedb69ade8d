-- Audit reputation of storage nodes (audits/): a beta reputation per node with forgetting,
-- from file-ingest's file.audit.result events, and uptime from node heartbeats.
--
-- node_reputation: alpha and beta as in a beta distribution of "the node answers audits right",
-- both decayed by audit.lambda at every audit; score = alpha / (alpha + beta), 1 for a node
-- never failed. Counters count every result (offline and unknown results do not move the
-- score). vetted_at is set once the node passed vetting.auditsRequired audits,
-- disqualified_at once its score fell below audit.disqualifyBelow (final). Rewards read score
-- and disqualified_at.
CREATE TABLE IF NOT EXISTS governance.node_reputation (
  node_id          text PRIMARY KEY,
  operator_id      text,
  alpha            double precision NOT NULL,
  beta             double precision NOT NULL,
  score            double precision NOT NULL,
  audits_total     bigint NOT NULL DEFAULT 0,
  audits_success   bigint NOT NULL DEFAULT 0,
  audits_failed    bigint NOT NULL DEFAULT 0,
  audits_offline   bigint NOT NULL DEFAULT 0,
  vetted_at        timestamptz,
  disqualified_at  timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- One row per node and 5-minute window in which a heartbeat of the node arrived; uptime is
-- the share of windows with a row since the node was first seen (at most the last 30 days).
-- Windows older than 30 days are deleted by the tick.
CREATE TABLE IF NOT EXISTS governance.node_uptime_windows (
  node_id      text NOT NULL,
  window_start timestamptz NOT NULL,
  PRIMARY KEY (node_id, window_start)
);

INSERT INTO governance.parameters (key, value) VALUES
  ('audit.lambda', '0.999'),
  ('audit.weight', '1'),
  ('audit.disqualifyBelow', '0.96'),
  ('audit.disqualifySlashPpm', '100000'),
  ('vetting.auditsRequired', '100')
ON CONFLICT (key) DO NOTHING;
