-- The time-series store: one row per series (metric name and labels), and its samples in
-- compressed chunks (services/monitoring/chunks/chunk_codec.h). Times are Unix milliseconds.

-- A series: its metric name, its other labels as a JSON object, and the SHA-256 of the whole
-- label set (metric name included), by which every replica finds the same row.
CREATE TABLE IF NOT EXISTS monitoring.series (
  id          bigserial PRIMARY KEY,
  metric_name text NOT NULL,
  labels      jsonb NOT NULL,
  labels_hash bytea NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- Selectors name the metric in nearly every query; the GIN index answers label equality
-- (labels @> '{"service":"dht"}') for the others.
CREATE INDEX IF NOT EXISTS series_by_name ON monitoring.series (metric_name);
CREATE INDEX IF NOT EXISTS series_by_labels ON monitoring.series USING gin (labels jsonb_path_ops);

-- A chunk of one series' samples. The open (head) chunk of a series is written here too, and
-- rewritten in place as it grows, until it is sealed and a new chunk starts; so a chunk row may
-- still change while max_time is recent. Chunks of one series never share a sample time, but
-- two replicas handing a target over may write chunks whose ranges overlap by a scrape or two:
-- readers merge them by time.
CREATE TABLE IF NOT EXISTS monitoring.chunks (
  id        bigserial PRIMARY KEY,
  series_id bigint NOT NULL REFERENCES monitoring.series (id) ON DELETE CASCADE,
  min_time  bigint NOT NULL,
  max_time  bigint NOT NULL,
  samples   integer NOT NULL,
  data      bytea NOT NULL,
  CHECK (min_time <= max_time AND samples > 0)
);
-- Reads: a series' chunks overlapping a time range. Retention: chunks that ended long ago.
CREATE INDEX IF NOT EXISTS chunks_by_series_time ON monitoring.chunks (series_id, min_time);
CREATE INDEX IF NOT EXISTS chunks_by_max_time ON monitoring.chunks (max_time);
