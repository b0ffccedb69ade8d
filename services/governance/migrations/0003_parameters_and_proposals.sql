-- Governable parameters, proposals, their voting-power snapshots, votes, execution records and
-- the outbox of durable events. Types, bounds and owners of parameters live in the service's
-- registry (params/param_registry.cc); this table holds only current values.

-- One row per concrete parameter key. `value` is a JSON number, string or null (null =
-- unlimited, for byte limits). Keys owned by another service hold the value governance last
-- set by proposal (or the seeded default); the owner's own state is authoritative.
CREATE TABLE IF NOT EXISTS governance.parameters (
  key              text PRIMARY KEY,
  value            jsonb NOT NULL,
  last_proposal_id text,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

INSERT INTO governance.parameters (key, value) VALUES
  ('voting.quorum', '0.334'),
  ('voting.threshold', '0.5'),
  ('voting.vetoThreshold', '0.334'),
  ('voting.periodSeconds', '604800'),
  ('voting.depositTokens', '10000000'),
  ('voting.minimumProposerStake', '1000000'),
  ('proposal.enactmentDelaySeconds', '172800'),
  ('proposal.gracePeriodSeconds', '1209600'),
  ('stake.minimumOperator', '1000000000'),
  ('stake.unbondingSeconds', '604800'),
  ('admission.mode', '"open"'),
  ('genesis.supply', '1000000000000000'),
  ('erasure.dataShards', '4'),
  ('erasure.parityShards', '2'),
  -- quota's seeded tiers (services/quota/migrations/0002_ledger.sql); prices in micro-units.
  ('tier.free.storageBytes', '5000000000'),
  ('tier.free.bandwidthBytesMonth', '50000000000'),
  ('tier.free.apiCallsHour', '100'),
  ('tier.free.monthlyFee', '0'),
  ('tier.free.storageGbMonthPrice', '0'),
  ('tier.free.bandwidthGbPrice', '0'),
  ('tier.premium.storageBytes', '100000000000'),
  ('tier.premium.bandwidthBytesMonth', '1000000000000'),
  ('tier.premium.apiCallsHour', '10000'),
  ('tier.premium.monthlyFee', '9990000'),
  ('tier.premium.storageGbMonthPrice', '20000'),
  ('tier.premium.bandwidthGbPrice', '10000'),
  ('tier.enterprise.storageBytes', 'null'),
  ('tier.enterprise.bandwidthBytesMonth', 'null'),
  ('tier.enterprise.apiCallsHour', 'null'),
  ('tier.enterprise.monthlyFee', '499000000'),
  ('tier.enterprise.storageGbMonthPrice', '15000'),
  ('tier.enterprise.bandwidthGbPrice', '5000')
ON CONFLICT (key) DO NOTHING;

-- A proposal. Thresholds are fixed at creation from the voting.* parameters, in parts per
-- billion so the tally compares integers (proposals/tally.h). `seq` orders pages newest first.
CREATE TABLE IF NOT EXISTS governance.proposals (
  id              text PRIMARY KEY,
  seq             bigserial UNIQUE,
  title           text NOT NULL,
  description     text NOT NULL,
  type            text NOT NULL,
  change          jsonb NOT NULL,
  proposer        text NOT NULL,
  state           text NOT NULL CHECK (state IN ('open', 'passed', 'rejected', 'vetoed',
                                                 'executed', 'expired', 'failed')),
  state_reason    text NOT NULL DEFAULT '',
  deposit         bigint NOT NULL CHECK (deposit >= 0),
  quorum_ppb      bigint NOT NULL,
  threshold_ppb   bigint NOT NULL,
  veto_ppb        bigint NOT NULL,
  total_power     bigint NOT NULL CHECK (total_power >= 0),
  yes             bigint NOT NULL DEFAULT 0,
  no              bigint NOT NULL DEFAULT 0,
  abstain         bigint NOT NULL DEFAULT 0,
  veto            bigint NOT NULL DEFAULT 0,
  enactment_delay_seconds bigint NOT NULL,
  grace_period_seconds    bigint NOT NULL,
  opens_at        timestamptz NOT NULL,
  closes_at       timestamptz NOT NULL,
  executable_at   timestamptz,
  executed_at     timestamptz
);
-- One live (open, or passed and not yet executed) proposal per proposer.
CREATE UNIQUE INDEX IF NOT EXISTS proposals_one_live_per_proposer
  ON governance.proposals (proposer) WHERE state IN ('open', 'passed');
CREATE INDEX IF NOT EXISTS proposals_due ON governance.proposals (state, closes_at);

-- Voting power snapshotted when voting opened: every account's staked tokens then.
CREATE TABLE IF NOT EXISTS governance.proposal_power (
  proposal_id text NOT NULL REFERENCES governance.proposals (id),
  account_id  text NOT NULL,
  power       bigint NOT NULL CHECK (power > 0),
  PRIMARY KEY (proposal_id, account_id)
);

-- The last vote of each account; a later vote replaces it until close.
CREATE TABLE IF NOT EXISTS governance.votes (
  proposal_id text NOT NULL REFERENCES governance.proposals (id),
  voter_id    text NOT NULL,
  choice      text NOT NULL CHECK (choice IN ('yes', 'no', 'abstain', 'veto')),
  cast_at     timestamptz NOT NULL,
  PRIMARY KEY (proposal_id, voter_id)
);

-- Who applied an executed proposal: governance itself, or an owning service's answer
-- (governance.change.applied).
CREATE TABLE IF NOT EXISTS governance.proposal_executions (
  proposal_id text NOT NULL REFERENCES governance.proposals (id),
  service     text NOT NULL,
  state       text NOT NULL CHECK (state IN ('pending', 'applied', 'failed')),
  reason      text NOT NULL DEFAULT '',
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (proposal_id, service)
);

-- Durable events written in the transaction that causes them, published after commit and
-- removed (shared/pg/outbox.h).
CREATE TABLE IF NOT EXISTS governance.outbox (
  id    bigserial PRIMARY KEY,
  event bytea NOT NULL
);
