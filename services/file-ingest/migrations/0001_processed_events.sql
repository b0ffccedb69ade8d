-- Events this service has consumed, by envelope id: a consumer inserts the id in the same
-- transaction as the change the event causes, so a redelivered event changes nothing twice.
CREATE TABLE IF NOT EXISTS files.processed_events (
  event_id     text PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);
