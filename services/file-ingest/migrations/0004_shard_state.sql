-- Whether each shard is known durable ('stored'), still being written when its segment was
-- acknowledged ('writing': the write quorum held without it), or never written ('missing':
-- node_id and node_address are '' and repair writes it as soon as a node can take it).
ALTER TABLE files.shards ADD COLUMN IF NOT EXISTS state text NOT NULL DEFAULT 'stored';
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'shards_state_known') THEN
    ALTER TABLE files.shards ADD CONSTRAINT shards_state_known
      CHECK (state IN ('stored', 'writing', 'missing') AND (state = 'missing') = (node_id = ''));
  END IF;
END $$;
