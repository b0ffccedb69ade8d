-- S3 buckets: a bucket is a top-level namespace of its owner's files (object key k of bucket b
-- is the owner's file named "b/k"). Names are global, one owner each; validated by file-ingest
-- (bucket_name.h) before they get here.
CREATE TABLE IF NOT EXISTS files.buckets (
  name        text COLLATE "C" PRIMARY KEY,
  owner_id    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- ListBuckets: an owner's buckets by name.
CREATE INDEX IF NOT EXISTS buckets_owner_name ON files.buckets (owner_id, name);

-- The S3 ETag of uploads that asked for it (32 lowercase hex; '' for REST uploads) and the S3
-- object metadata (x-amz-meta-*, content-disposition, ...), kept per file.
ALTER TABLE files.files ADD COLUMN IF NOT EXISTS md5 text NOT NULL DEFAULT '';
ALTER TABLE files.files ADD COLUMN IF NOT EXISTS object_metadata jsonb NOT NULL
  DEFAULT '{}'::jsonb;

-- StatByName and ListObjects read the newest file per name: (owner, name) in byte order, then
-- newest first, so "newest of this name" is the first index entry of the name.
CREATE INDEX IF NOT EXISTS files_owner_name_newest
  ON files.files (owner_id, name COLLATE "C", created_at DESC, id DESC);
