-- Rollups by age (services/monitoring/store/rollup_builder.h): each series' samples at coarser
-- resolutions (5 minutes, 1 hour by default), min/max/sum/count and what rate needs per
-- interval, compressed (store/rollup_points.h). Times are Unix milliseconds.

-- One row holds a series' consecutive intervals of one resolution that start in
-- [min_time, min_time + the row's span); it grows as the builder appends intervals.
CREATE TABLE IF NOT EXISTS monitoring.rollups (
  series_id     bigint NOT NULL REFERENCES monitoring.series (id) ON DELETE CASCADE,
  resolution_ms bigint NOT NULL,
  min_time      bigint NOT NULL,
  max_time      bigint NOT NULL,  -- the start of the row's last interval
  points        integer NOT NULL,
  data          bytea NOT NULL,
  PRIMARY KEY (series_id, resolution_ms, min_time),
  CHECK (min_time <= max_time AND points > 0)
);
-- Retention per resolution: rows whose last interval is old.
CREATE INDEX IF NOT EXISTS rollups_by_max_time ON monitoring.rollups (resolution_ms, max_time);

-- How far the raw samples are rolled up: every resolution holds the intervals before
-- done_until (0: nothing yet). The builder takes this row FOR UPDATE, so one replica at a time
-- builds, and a pass and its progress commit together.
CREATE TABLE IF NOT EXISTS monitoring.rollup_progress (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  done_until bigint NOT NULL
);
INSERT INTO monitoring.rollup_progress (id, done_until) VALUES (true, 0) ON CONFLICT DO NOTHING;
