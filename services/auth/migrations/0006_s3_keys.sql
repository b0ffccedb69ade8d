-- S3 access keys. SigV4 needs the secret itself at verification time (a hash cannot check an
-- HMAC), so the secret is kept encrypted with AES-256-GCM under the server's S3 key
-- (--s3-secret-key-file / DM_S3_SECRET_KEY), one random nonce per row, the associated data
-- binding it to the access key id and user. The private key copy is sealed under a key derived
-- from the secret, as for API keys. Revoking erases both and keeps the row for history.
CREATE TABLE IF NOT EXISTS auth.s3_keys (
  access_key_id text PRIMARY KEY CHECK (access_key_id ~ '^[A-Z0-9]{20}$'),
  user_id       uuid NOT NULL REFERENCES auth.users (id),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
  secret_nonce  bytea,
  secret_box    bytea,
  seal_salt     bytea,
  sealed_key    bytea,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  CHECK ((revoked_at IS NULL) = (secret_box IS NOT NULL)),
  CHECK ((revoked_at IS NULL) = (sealed_key IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS s3_keys_user_live_idx ON auth.s3_keys (user_id, created_at DESC)
  WHERE revoked_at IS NULL;
