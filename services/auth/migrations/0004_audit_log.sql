-- The audit log: append-only. `seq` orders records that share a time and makes the cursor of
-- QueryAudit stable. A trigger refuses UPDATE, DELETE and TRUNCATE, so not even a bug in the
-- service (or a careless hand at psql without disabling the trigger) rewrites history.
CREATE TABLE IF NOT EXISTS auth.audit_log (
  seq       bigserial PRIMARY KEY,
  id        uuid NOT NULL UNIQUE,
  time      timestamptz NOT NULL,
  actor     text NOT NULL,
  action    text NOT NULL,
  target    text NOT NULL DEFAULT '',
  outcome   text NOT NULL,
  source_ip text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_log_time_idx ON auth.audit_log (time DESC, seq DESC);
CREATE INDEX IF NOT EXISTS audit_log_actor_idx ON auth.audit_log (actor, time DESC, seq DESC);
CREATE INDEX IF NOT EXISTS audit_log_target_idx ON auth.audit_log (target, time DESC, seq DESC);

CREATE OR REPLACE FUNCTION auth.audit_log_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'auth.audit_log is append-only (% refused)', TG_OP;
END;
$$;
DROP TRIGGER IF EXISTS audit_log_no_update ON auth.audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON auth.audit_log
  FOR EACH ROW EXECUTE FUNCTION auth.audit_log_append_only();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON auth.audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON auth.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION auth.audit_log_append_only();
