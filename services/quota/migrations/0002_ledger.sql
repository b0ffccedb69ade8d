-- The quota ledger: tiers (as data), users' remembered tiers, stored bytes per user, storage
-- reservations, counted files, bandwidth idempotency keys and monthly billing rows.
-- Sizes are bytes; GB in limits and prices is 10^9 bytes. NULL limit = unlimited.

CREATE TABLE IF NOT EXISTS quota.tiers (
  name                    text PRIMARY KEY,
  display_name            text NOT NULL,
  storage_bytes           bigint CHECK (storage_bytes >= 0),
  bandwidth_bytes_month   bigint CHECK (bandwidth_bytes_month >= 0),
  api_calls_hour          bigint CHECK (api_calls_hour >= 0),
  sla_percent             double precision NOT NULL DEFAULT 0,
  monthly_fee_micros      bigint NOT NULL DEFAULT 0,
  storage_gb_month_micros bigint NOT NULL DEFAULT 0,
  bandwidth_gb_micros     bigint NOT NULL DEFAULT 0,
  currency                text NOT NULL DEFAULT 'USD',
  updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Prices are placeholders an admin is expected to set; limits are the seed's.
INSERT INTO quota.tiers (name, display_name, storage_bytes, bandwidth_bytes_month,
                         api_calls_hour, sla_percent, monthly_fee_micros,
                         storage_gb_month_micros, bandwidth_gb_micros, currency)
VALUES ('free', 'Free', 5000000000, 50000000000, 100, 0, 0, 0, 0, 'USD'),
       ('premium', 'Premium', 100000000000, 1000000000000, 10000, 0, 9990000, 20000, 10000,
        'USD'),
       ('enterprise', 'Enterprise', NULL, NULL, NULL, 99.9, 499000000, 15000, 5000, 'USD')
ON CONFLICT (name) DO NOTHING;

-- Every change of a tier, with the admin (or governance proposal) that made it.
CREATE TABLE IF NOT EXISTS quota.tier_history (
  id         bigserial PRIMARY KEY,
  tier       text NOT NULL,
  actor_id   text NOT NULL,
  definition text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- The tier quota last learned for each user (auth.user.updated, or a caller passing it).
CREATE TABLE IF NOT EXISTS quota.user_tiers (
  user_id    text PRIMARY KEY,
  tier       text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per user: the lock every storage change of the user takes first (SELECT ... FOR
-- UPDATE), so check-and-reserve is atomic. stored_bytes counts file.stored minus file.deleted;
-- integrated_at is how far storage byte-seconds have been added to billing.
CREATE TABLE IF NOT EXISTS quota.usage (
  user_id       text PRIMARY KEY,
  stored_bytes  bigint NOT NULL DEFAULT 0 CHECK (stored_bytes >= 0),
  integrated_at timestamptz NOT NULL DEFAULT now()
);

-- state: 'held' (counts until expires_at), 'committed' (bound to file_id; counts until its
-- file.stored is counted, or expires_at), 'retired' (counted by file.stored; kept so a late
-- Commit or Release stays idempotent, swept later).
CREATE TABLE IF NOT EXISTS quota.reservations (
  id         text PRIMARY KEY,
  user_id    text NOT NULL,
  tier       text NOT NULL,
  bytes      bigint NOT NULL CHECK (bytes >= 0),
  state      text NOT NULL CHECK (state IN ('held', 'committed', 'retired')),
  file_id    text,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS reservations_user_idx ON quota.reservations (user_id, state);

-- Files whose size is counted in usage.stored_bytes. A file.deleted seen before its
-- file.stored leaves a tombstone (deleted = true) so the late file.stored counts nothing.
CREATE TABLE IF NOT EXISTS quota.files (
  file_id text PRIMARY KEY,
  user_id text NOT NULL,
  bytes   bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false
);

-- RecordBandwidth idempotency keys, per user.
CREATE TABLE IF NOT EXISTS quota.bandwidth_records (
  user_id     text NOT NULL,
  record_id   text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, record_id)
);

-- One row per user and calendar month (UTC, "YYYY-MM"). storage_byte_seconds is numeric: a
-- petabyte held for a month does not fit in bigint byte-seconds.
CREATE TABLE IF NOT EXISTS quota.billing (
  id                   text NOT NULL UNIQUE,
  user_id              text NOT NULL,
  month                text NOT NULL,
  tier                 text NOT NULL,
  storage_byte_seconds numeric NOT NULL DEFAULT 0,
  bandwidth_bytes      bigint NOT NULL DEFAULT 0,
  api_calls            bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, month)
);
CREATE INDEX IF NOT EXISTS billing_month_idx ON quota.billing (month, user_id);
