-- Epochs (epochs/): what storage nodes did in each epoch, the epochs themselves, the paystub of
-- every operator per closed epoch and the rewards held back from it; invoices (billing/): one
-- per user and month, priced from governance's price.* parameters, paid from the user's account.

-- Governance-owned prices and reward rules (params/param_registry.cc has their bounds).
-- Amounts are micro-tokens; shares are parts per million (ppm).
INSERT INTO governance.parameters (key, value) VALUES
  ('epoch.lengthSeconds', '86400'),
  ('rewards.epochIssuance', '1000000000'),
  ('rewards.heldBackPpm', '750000'),
  ('rewards.heldBackStepEpochs', '3'),
  ('rewards.heldBackEpochs', '15'),
  ('penalty.minUptimePpm', '950000'),
  ('penalty.downtimeSlashPpm', '10000'),
  ('fees.rewardsSharePpm', '800000'),
  ('price.storagePerGbMonth', '4000'),
  ('price.egressPerGb', '7000'),
  ('price.apiCallsPerThousand', '500')
ON CONFLICT (key) DO NOTHING;
-- A subscription price per tier, starting from quota's monthly fee of the same tier.
INSERT INTO governance.parameters (key, value)
  SELECT 'price.subscription.' || split_part(key, '.', 2), value
  FROM governance.parameters WHERE key LIKE 'tier.%.monthlyFee'
ON CONFLICT (key) DO NOTHING;

-- One epoch: [starts_at, ends_at). The worker opens the next when it closes one; a closed
-- epoch's issuance, rewards and penalties were posted in the transaction that closed it.
CREATE TABLE IF NOT EXISTS governance.epochs (
  number      bigint PRIMARY KEY CHECK (number >= 0),
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
  state       text NOT NULL CHECK (state IN ('open', 'closed')),
  closed_at   timestamptz,
  issuance    bigint NOT NULL DEFAULT 0 CHECK (issuance >= 0),
  distributed bigint NOT NULL DEFAULT 0 CHECK (distributed >= 0),  -- paid + held back
  remainder   bigint NOT NULL DEFAULT 0 CHECK (remainder >= 0)     -- left in the rewards pool
);
-- At most one open epoch.
CREATE UNIQUE INDEX IF NOT EXISTS epochs_one_open ON governance.epochs (state)
  WHERE state = 'open';

-- What one governance instance saw of one node during one epoch, from the node's heartbeats:
-- seconds the node was up and used bytes integrated over those seconds. Each instance keeps
-- its own row (every replica hears every heartbeat); the close takes the largest per node.
CREATE TABLE IF NOT EXISTS governance.node_epoch_usage (
  epoch        bigint NOT NULL REFERENCES governance.epochs (number),
  node_id      text NOT NULL CHECK (node_id ~ '^[0-9a-f]{64}$'),
  instance_id  text NOT NULL,
  up_seconds   double precision NOT NULL DEFAULT 0 CHECK (up_seconds >= 0),
  byte_seconds numeric(38, 0) NOT NULL DEFAULT 0 CHECK (byte_seconds >= 0),
  PRIMARY KEY (epoch, node_id, instance_id)
);

-- An operator's pay for one closed epoch.
CREATE TABLE IF NOT EXISTS governance.paystubs (
  epoch          bigint NOT NULL REFERENCES governance.epochs (number),
  operator_id    text NOT NULL,
  account_id     text NOT NULL,
  node_count     integer NOT NULL CHECK (node_count >= 0),
  byte_seconds   numeric(38, 0) NOT NULL,
  uptime_ppm     bigint NOT NULL CHECK (uptime_ppm BETWEEN 0 AND 1000000),
  score_ppm      bigint NOT NULL CHECK (score_ppm BETWEEN 0 AND 1000000),
  earned         bigint NOT NULL CHECK (earned >= 0),    -- paid + held
  paid           bigint NOT NULL CHECK (paid >= 0),      -- to available now
  held           bigint NOT NULL CHECK (held >= 0),      -- to held, released later
  released       bigint NOT NULL CHECK (released >= 0),  -- earlier epochs' held, released now
  forfeited      bigint NOT NULL CHECK (forfeited >= 0), -- held lost to the treasury
  slashed        bigint NOT NULL CHECK (slashed >= 0),   -- stake slashed for downtime
  PRIMARY KEY (epoch, operator_id)
);
CREATE INDEX IF NOT EXISTS paystubs_operator_idx ON governance.paystubs (operator_id, epoch DESC);

-- Rewards held back: one lot per operator and epoch, released at release_epoch's close or
-- forfeited when the operator is disqualified.
CREATE TABLE IF NOT EXISTS governance.held_lots (
  operator_id   text NOT NULL,
  epoch         bigint NOT NULL REFERENCES governance.epochs (number),
  account_id    text NOT NULL,
  amount        bigint NOT NULL CHECK (amount > 0),
  release_epoch bigint NOT NULL,
  state         text NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'released', 'forfeited')),
  PRIMARY KEY (operator_id, epoch)
);
CREATE INDEX IF NOT EXISTS held_lots_due_idx ON governance.held_lots (release_epoch)
  WHERE state = 'held';

-- One invoice per user and month, from quota's billing record of that month.
CREATE TABLE IF NOT EXISTS governance.invoices (
  id         text PRIMARY KEY,
  user_id    text NOT NULL,
  month      text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
  tier       text NOT NULL,
  total      bigint NOT NULL CHECK (total >= 0),
  state      text NOT NULL CHECK (state IN ('open', 'paid')),
  created_at timestamptz NOT NULL DEFAULT now(),
  paid_at    timestamptz,
  payment_transaction_id bigint,
  UNIQUE (user_id, month)
);
CREATE INDEX IF NOT EXISTS invoices_month_idx ON governance.invoices (month DESC, user_id);

-- An invoice's lines: storage, egress, API calls, subscription.
CREATE TABLE IF NOT EXISTS governance.invoice_lines (
  invoice_id text NOT NULL REFERENCES governance.invoices (id),
  position   integer NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('storage', 'egress', 'api_calls', 'subscription')),
  quantity   text NOT NULL,  -- decimal, in `unit`
  unit       text NOT NULL,
  unit_price bigint NOT NULL CHECK (unit_price >= 0),
  amount     bigint NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (invoice_id, position)
);

-- Months whose invoices were written (the monthly job and CloseBillingMonth).
CREATE TABLE IF NOT EXISTS governance.billing_months (
  month     text PRIMARY KEY CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
  closed_at timestamptz NOT NULL DEFAULT now(),
  invoices  integer NOT NULL CHECK (invoices >= 0)
);
