-- API keys. Only the SHA-256 of the secret is kept (key_hash). The private key copy sealed
-- under a key derived from the secret (seal_salt, sealed_key) is erased when the key is
-- revoked; the row stays (revoked_at set) so the history remains readable.
CREATE TABLE IF NOT EXISTS auth.api_keys (
  id           uuid PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES auth.users (id),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
  key_hash     text NOT NULL UNIQUE,
  seal_salt    bytea,
  sealed_key   bytea,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz,
  CHECK ((revoked_at IS NULL) = (sealed_key IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS api_keys_user_live_idx ON auth.api_keys (user_id, created_at DESC)
  WHERE revoked_at IS NULL;
