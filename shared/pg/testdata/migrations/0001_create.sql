-- Test schema for shared/pg: a table of items.
CREATE TABLE pgtest.items (
  id bigint PRIMARY KEY,
  name text NOT NULL
);
