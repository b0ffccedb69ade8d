-- Adds a column with a default and an index; several statements in one migration.
ALTER TABLE pgtest.items ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX items_name_idx ON pgtest.items (name);
