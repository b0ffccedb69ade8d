-- The token ledger (ledger/ledger.h): accounts, balanced transactions of entries, the balance
-- of each account's bucket kept in the same transaction as its entries, and the unbonding lots
-- behind the "unbonding" bucket. Amounts are micro-tokens (1 token = 1,000,000).

-- Every account that ever moved: user ids and the system accounts (mint, treasury, rewards,
-- fees).
CREATE TABLE IF NOT EXISTS governance.accounts (
  id         text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One movement of tokens. A second post with the same idempotency key changes nothing.
CREATE TABLE IF NOT EXISTS governance.ledger_transactions (
  id              bigserial PRIMARY KEY,
  kind            text NOT NULL CHECK (kind <> ''),
  reason          text NOT NULL DEFAULT '',
  idempotency_key text NOT NULL UNIQUE CHECK (idempotency_key <> ''),
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- The sides of a transaction; a transaction's entries sum to zero (checked by Post and by
-- VerifyInvariants).
CREATE TABLE IF NOT EXISTS governance.ledger_entries (
  id             bigserial PRIMARY KEY,
  transaction_id bigint NOT NULL REFERENCES governance.ledger_transactions (id),
  account_id     text NOT NULL REFERENCES governance.accounts (id),
  bucket         text NOT NULL
                 CHECK (bucket IN ('available', 'staked', 'unbonding', 'held', 'escrow')),
  amount         bigint NOT NULL CHECK (amount <> 0)
);
-- Statements: one account's entries, newest first.
CREATE INDEX IF NOT EXISTS ledger_entries_account_idx
  ON governance.ledger_entries (account_id, id DESC);
CREATE INDEX IF NOT EXISTS ledger_entries_transaction_idx
  ON governance.ledger_entries (transaction_id);

-- The running balance of each (account, bucket), updated with every entry. Only the mint goes
-- negative (it holds minus the supply).
CREATE TABLE IF NOT EXISTS governance.balances (
  account_id text NOT NULL REFERENCES governance.accounts (id),
  bucket     text NOT NULL
             CHECK (bucket IN ('available', 'staked', 'unbonding', 'held', 'escrow')),
  amount     bigint NOT NULL DEFAULT 0 CHECK (amount >= 0 OR account_id = 'mint'),
  PRIMARY KEY (account_id, bucket)
);

-- Stake on its way back to "available": one lot per unbonding transaction, released at
-- release_at by MatureUnbonding. A slash takes from the open lots too, so the sum of an
-- account's open lots always equals its "unbonding" balance. Released lots stay (marked) so a
-- replayed unbonding post finds its lot and creates no second one.
CREATE TABLE IF NOT EXISTS governance.unbonding_lots (
  id             bigserial PRIMARY KEY,
  transaction_id bigint NOT NULL UNIQUE REFERENCES governance.ledger_transactions (id),
  account_id     text NOT NULL REFERENCES governance.accounts (id),
  amount         bigint NOT NULL CHECK (amount >= 0),  -- what is left of it after slashes
  release_at     timestamptz NOT NULL,
  released       boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS unbonding_lots_open_idx
  ON governance.unbonding_lots (release_at) WHERE NOT released;
CREATE INDEX IF NOT EXISTS unbonding_lots_account_idx
  ON governance.unbonding_lots (account_id, release_at) WHERE NOT released;
