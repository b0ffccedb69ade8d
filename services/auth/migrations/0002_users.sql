-- Accounts. Usernames and emails are unique regardless of case (the unique indexes are on
-- lower(...)), so "Alice" cannot register beside "alice". The private key is stored only sealed
-- (AES-256-GCM, nonce || ciphertext || tag) under a key derived from the password with scrypt
-- (key_salt, key_kdf), never in the clear.
CREATE TABLE IF NOT EXISTS auth.users (
  id            uuid PRIMARY KEY,
  username      text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{3,64}$'),
  email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('user', 'admin')),
  tier          text NOT NULL CHECK (tier ~ '^[a-z0-9_-]{1,32}$'),
  public_key    bytea NOT NULL CHECK (length(public_key) = 32),
  key_version   integer NOT NULL DEFAULT 1,
  key_salt      bytea NOT NULL,
  key_kdf       text NOT NULL,
  sealed_key    bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS users_username_lower_idx ON auth.users (lower(username));
CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower_idx ON auth.users (lower(email));
CREATE INDEX IF NOT EXISTS users_created_idx ON auth.users (created_at, id);
CREATE INDEX IF NOT EXISTS users_admin_idx ON auth.users (role) WHERE role = 'admin';
