-- S3 multipart uploads. An upload is one content (files.contents, ref_count 0 until Complete
-- makes a file of it) whose segments arrive in parts; a part's segments are ordinary rows of
-- files.segments / files.shards (so repair, scrub, audits and GC see them), numbered
-- part_number << 40 | attempt << 20 | i. `attempts` hands every UploadPart call a fresh
-- attempt number: a segment index (the AES-GCM nonce) is never reused under the upload's key.
CREATE TABLE IF NOT EXISTS files.multipart_uploads (
  id              text PRIMARY KEY,
  owner_id        text NOT NULL,
  name            text NOT NULL,
  content_id      text NOT NULL,
  content_type    text NOT NULL,
  object_metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  attempts        bigint NOT NULL DEFAULT 0,
  state           text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'completed')),
  -- Once completed: the file made, and the part list it was made of (a repeated Complete with
  -- the same list answers the same file).
  file_id         text NOT NULL DEFAULT '',
  completed_parts text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_activity   timestamptz NOT NULL DEFAULT now()
);
-- ListMultipartUploads: an owner's open uploads by name (byte order), then start time and id.
CREATE INDEX IF NOT EXISTS multipart_uploads_owner_name ON files.multipart_uploads
  (owner_id, name COLLATE "C", created_at, id) WHERE state = 'open';
-- The expiry GC: uploads idle the longest first.
CREATE INDEX IF NOT EXISTS multipart_uploads_activity ON files.multipart_uploads (last_activity);

-- The stored parts: one attempt per part number (a newer one replaces it when it commits).
-- `id` is what quota counts the part's bytes under (file.stored / file.deleted).
CREATE TABLE IF NOT EXISTS files.multipart_parts (
  id          text PRIMARY KEY,
  upload_id   text NOT NULL REFERENCES files.multipart_uploads (id) ON DELETE CASCADE,
  part_number integer NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
  attempt     bigint NOT NULL,
  size        bigint NOT NULL,
  md5         text NOT NULL,
  sha256      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (upload_id, part_number)
);
