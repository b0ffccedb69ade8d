-- The explanation of a firing alert (services/monitoring/analytics/explanation.h): the series
-- that moved most with it, computed once when it starts firing and kept with the alert, so a
-- replica taking over evaluation, and the listings of the others, show the same explanation.
-- A JSON array of {"labels": {...}, "baselineMean", "windowMean", "changeRatio", "score",
-- "rate"}; empty for alerts saved before this column existed or still pending.
ALTER TABLE monitoring.alerts ADD COLUMN IF NOT EXISTS explanation jsonb NOT NULL DEFAULT '[]';
