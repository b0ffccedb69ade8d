-- The audit rate, owned by file-ingest (its flag --audit-rate has the same default), which
-- applies a change from governance.proposal.executed without a restart.
INSERT INTO governance.parameters (key, value) VALUES
  ('audit.ratePerMinute', '6')
ON CONFLICT (key) DO NOTHING;
