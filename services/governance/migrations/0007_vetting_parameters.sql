-- dht's vetting of new storage nodes: the share of placements unvetted nodes take part in
-- (owned by dht, which applies a change from governance.proposal.executed; its flag
-- --vetting-placement-share has the same default).
INSERT INTO governance.parameters (key, value) VALUES
  ('vetting.placementShare', '0.05')
ON CONFLICT (key) DO NOTHING;
