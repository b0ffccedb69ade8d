-- Parameters governance changes live (erasure.dataShards, erasure.parityShards,
-- audit.ratePerMinute): the value applied last, so a restart keeps it over the flags.
CREATE TABLE IF NOT EXISTS files.live_parameters (
  key         text PRIMARY KEY,
  value       bigint NOT NULL,
  proposal_id text NOT NULL DEFAULT '',
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The re-encode job: its target shape, where its walk over contents is, and bytes moved.
ALTER TABLE files.maintenance_jobs DROP CONSTRAINT IF EXISTS maintenance_jobs_action_check;
ALTER TABLE files.maintenance_jobs ADD CONSTRAINT maintenance_jobs_action_check
  CHECK (action IN ('repair', 'scrub', 'gc', 'reencode'));
ALTER TABLE files.maintenance_jobs ADD COLUMN IF NOT EXISTS cursor text NOT NULL DEFAULT '';
ALTER TABLE files.maintenance_jobs ADD COLUMN IF NOT EXISTS target text NOT NULL DEFAULT '';
ALTER TABLE files.maintenance_jobs ADD COLUMN IF NOT EXISTS bytes bigint NOT NULL DEFAULT 0;

-- Old shards of a re-encoded content are freed only after a delay, so downloads that read
-- the manifest before the switch still find them.
ALTER TABLE files.shard_deletions ADD COLUMN IF NOT EXISTS not_before timestamptz NOT NULL
  DEFAULT now();
