-- Rule evaluation state (services/monitoring/alerts/): the alerts each alerting rule holds, the
-- time each rule group was last evaluated, and the lease that lets one replica evaluate at a
-- time. Times are Unix milliseconds, as in the series tables.

-- One alert: a label set of an alerting rule in one episode (pending, firing, or resolved and
-- kept 15 minutes). Rewritten after every evaluation of its group; read back when a replica
-- takes over evaluation, so `for` progress and firing alerts survive a restart.
CREATE TABLE IF NOT EXISTS monitoring.alerts (
  id                   text PRIMARY KEY,
  group_name           text NOT NULL,
  rule_name            text NOT NULL,
  labels               jsonb NOT NULL,
  annotations          jsonb NOT NULL,
  state                text NOT NULL CHECK (state IN ('pending', 'firing', 'inactive')),
  value                double precision NOT NULL,
  active_at_ms         bigint NOT NULL,
  fired_at_ms          bigint,
  resolved_at_ms       bigint,
  keep_firing_since_ms bigint
);
CREATE INDEX IF NOT EXISTS alerts_by_group ON monitoring.alerts (group_name, rule_name);

-- When each rule group was last evaluated: how long an outage lasted.
CREATE TABLE IF NOT EXISTS monitoring.rule_groups (
  group_name         text PRIMARY KEY,
  last_evaluation_ms bigint NOT NULL
);

-- The evaluator lease: the replica named in `holder` evaluates rules until `expires_at_ms`; it
-- renews well before then, and another replica takes over only once it has expired.
CREATE TABLE IF NOT EXISTS monitoring.evaluator_lease (
  name          text PRIMARY KEY,
  holder        text NOT NULL,
  expires_at_ms bigint NOT NULL
);
