-- File manifests. A file (name, tags) points at a content (the encrypted, erasure-coded bytes
-- and their wrapped data key); an owner's files with identical bytes share one content
-- (deduplication, reference-counted by ref_count). Inline contents (small files) keep their
-- sealed bytes in inline_data and have no segments.
CREATE TABLE IF NOT EXISTS files.contents (
  id                text PRIMARY KEY,
  owner_id          text NOT NULL,
  size              bigint NOT NULL,
  sha256            text NOT NULL,
  merkle_root       text NOT NULL,
  wrapped_key       bytea NOT NULL,
  key_version       integer NOT NULL,
  nonce_prefix      bytea NOT NULL,
  codec_id          text NOT NULL,
  data_shards       integer NOT NULL,
  parity_shards     integer NOT NULL,
  segment_size      bigint NOT NULL,
  inline_data       bytea,
  inline_compressed boolean NOT NULL DEFAULT false,
  ref_count         integer NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS contents_owner_sha256 ON files.contents (owner_id, sha256, size);

CREATE TABLE IF NOT EXISTS files.files (
  id           text PRIMARY KEY,
  owner_id     text NOT NULL,
  name         text NOT NULL,
  content_type text NOT NULL,
  tags         jsonb NOT NULL DEFAULT '{}'::jsonb,
  content_id   text NOT NULL REFERENCES files.contents (id),
  encryption   text NOT NULL CHECK (encryption IN ('server', 'client')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
-- List: an owner's files by name (byte order), then id.
CREATE INDEX IF NOT EXISTS files_owner_name ON files.files (owner_id, name COLLATE "C", id);

CREATE TABLE IF NOT EXISTS files.segments (
  content_id   text NOT NULL REFERENCES files.contents (id) ON DELETE CASCADE,
  idx          bigint NOT NULL,
  plain_size   bigint NOT NULL,
  stored_size  bigint NOT NULL,
  compressed   boolean NOT NULL,
  shard_size   bigint NOT NULL,
  sha256       text NOT NULL,
  PRIMARY KEY (content_id, idx)
);

CREATE TABLE IF NOT EXISTS files.shards (
  content_id   text NOT NULL,
  segment_idx  bigint NOT NULL,
  shard_idx    integer NOT NULL,
  shard_id     text NOT NULL,
  node_id      text NOT NULL,
  node_address text NOT NULL,
  PRIMARY KEY (content_id, segment_idx, shard_idx),
  FOREIGN KEY (content_id, segment_idx) REFERENCES files.segments (content_id, idx)
    ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS shards_shard_id ON files.shards (shard_id, node_id);

-- Shards to delete from nodes (deleted files, failed or deduplicated uploads), drained by a
-- background worker; a shard still referenced by a manifest is skipped, not deleted.
CREATE TABLE IF NOT EXISTS files.shard_deletions (
  id           bigserial PRIMARY KEY,
  shard_id     text NOT NULL,
  node_id      text NOT NULL,
  node_address text NOT NULL,
  attempts     integer NOT NULL DEFAULT 0,
  enqueued_at  timestamptz NOT NULL DEFAULT now()
);

-- Durable events written in the same transaction as the change they announce and published
-- (then removed) after commit; a background worker re-publishes what a crash left behind.
CREATE TABLE IF NOT EXISTS files.outbox (
  id         bigserial PRIMARY KEY,
  event      bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
