-- Alert rules managed by admins through the API (services/monitoring/admin_rules/): the
-- normalized AlertRule message as proto JSON. The shipped rules live in the binary and are
-- never stored here. Every replica reads this table before evaluating the "admin" group, so an
-- edit is evaluated from the next evaluation on, without a restart.
CREATE TABLE IF NOT EXISTS monitoring.admin_rules (
  id         text PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  rule       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
