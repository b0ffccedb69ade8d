-- Alert notification state (services/monitoring/notify/): silences, acknowledgements and the
-- notification log. Times are Unix milliseconds, as in the other monitoring tables.

-- A silence: alerts whose labels match every matcher are not sent to any receiver from
-- starts_at until ends_at (they stay listed, with the silence's id). Expiring one sets ends_at
-- to the moment of expiry; rows are deleted five days after they end.
CREATE TABLE IF NOT EXISTS monitoring.silences (
  id            text PRIMARY KEY,
  matchers      jsonb NOT NULL,  -- [{"name", "op": "=", "!=", "=~", "!~", "value"}]
  starts_at_ms  bigint NOT NULL,
  ends_at_ms    bigint NOT NULL CHECK (ends_at_ms > starts_at_ms),
  created_by    text NOT NULL,
  comment       text NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS silences_by_end ON monitoring.silences (ends_at_ms);

-- An acknowledgement of one firing episode of an alert (alert ids are fresh per episode, so an
-- ack ends when the alert resolves or fires anew). Rows older than five days are deleted.
CREATE TABLE IF NOT EXISTS monitoring.alert_acks (
  alert_id     text PRIMARY KEY,
  fingerprint  text NOT NULL,
  acked_by     text NOT NULL,
  acked_at_ms  bigint NOT NULL,
  comment      text NOT NULL
);

-- What was last sent to each receiver for each alert group (fingerprints of the firing and the
-- resolved alerts it carried): the de-duplication that survives a restart or a change of the
-- evaluating replica.
CREATE TABLE IF NOT EXISTS monitoring.notification_log (
  receiver    text NOT NULL,
  group_key   text NOT NULL,
  firing      jsonb NOT NULL,
  resolved    jsonb NOT NULL,
  sent_at_ms  bigint NOT NULL,
  PRIMARY KEY (receiver, group_key)
);
