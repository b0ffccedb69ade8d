-- Shards a writer (an upload, or a repair run) is about to put on a node, recorded before the
-- PutShard and removed once the manifest references them (or the writer gave up). Garbage
-- collection and the shard-deletion queue never delete a shard with a live intent, so a shard
-- written (or found "already present") by an upload that has not committed yet survives.
-- Intents are kept alive by their process (refreshed_at); those of a crashed process expire.
CREATE TABLE IF NOT EXISTS files.shard_intents (
  writer_id    text NOT NULL,
  shard_id     text NOT NULL,
  node_id      text NOT NULL,
  instance_id  text NOT NULL,
  refreshed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (writer_id, shard_id, node_id)
);
CREATE INDEX IF NOT EXISTS shard_intents_shard ON files.shard_intents (shard_id, node_id);
CREATE INDEX IF NOT EXISTS shard_intents_instance ON files.shard_intents (instance_id);

-- Maintenance jobs (repair, scrub, gc), readable from any replica. At most one job per action
-- is queued or running at a time (the partial unique index); a job whose replica stopped
-- updating it is marked failed by the next request for that action.
CREATE TABLE IF NOT EXISTS files.maintenance_jobs (
  id          text PRIMARY KEY,
  action      text NOT NULL CHECK (action IN ('repair', 'scrub', 'gc')),
  state       text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
  actor_id    text NOT NULL DEFAULT '',
  instance_id text NOT NULL,
  examined    bigint NOT NULL DEFAULT 0,
  fixed       bigint NOT NULL DEFAULT 0,
  message     text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  started_at  timestamptz,
  finished_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS maintenance_jobs_active ON files.maintenance_jobs (action)
  WHERE state IN ('queued', 'running');
