-- What a parameter held before the proposal that set it last, so that the change can be undone
-- when its owning service refuses it (governance.change.applied with ok = false), and which
-- proposal's refusal undid it (a late "applied" from the owner then sets it again).
ALTER TABLE governance.parameters
  ADD COLUMN IF NOT EXISTS previous_value jsonb,
  ADD COLUMN IF NOT EXISTS previous_proposal_id text,
  ADD COLUMN IF NOT EXISTS reverted_by_proposal_id text;
