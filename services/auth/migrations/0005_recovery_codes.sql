-- Recovery codes: one per user at most. Only a copy of the private key sealed under the code
-- (HKDF salt seal_salt, AES-256-GCM blob sealed_key) is kept, never the code. Redeeming deletes
-- the row in the transaction that sets the new password, so a code works once.
CREATE TABLE IF NOT EXISTS auth.recovery_codes (
  user_id    uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  seal_salt  bytea NOT NULL,
  sealed_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
