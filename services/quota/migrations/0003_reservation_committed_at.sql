-- When a reservation was committed to its file. The usage reconciliation retires a committed
-- reservation whose file no manifest has (file-ingest died between quota's commit and its own)
-- only once the commit is older than --reconcile-margin; rows committed before this column
-- existed fall back to created_at, which is earlier still.
ALTER TABLE quota.reservations ADD COLUMN IF NOT EXISTS committed_at timestamptz;
CREATE INDEX IF NOT EXISTS reservations_committed_file_idx ON quota.reservations (file_id)
  WHERE state = 'committed';
