-- The durability margin (durability_gauges.h) finds the shards that are not live without
-- reading the whole shard table: the nodes holding shards by a loose scan of this index (one
-- probe per node), then only the shards of nodes that are not up, and the few not 'stored'.
CREATE INDEX IF NOT EXISTS shards_node ON files.shards (node_id);
CREATE INDEX IF NOT EXISTS shards_not_stored ON files.shards (content_id, segment_idx)
  WHERE state <> 'stored';
