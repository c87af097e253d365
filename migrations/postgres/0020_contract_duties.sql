-- A contract's duties are obligations like the others (docs/vendors.md,
-- "The duties"): the board, the reminders and the digest read `obligations`,
-- so the rows of `contract_obligations` move there under `contract_id`,
-- with exactly one of incident_id, request_id and contract_id set. Every
-- row and id is kept.
ALTER TABLE obligations ADD COLUMN contract_id TEXT COLLATE "C" REFERENCES contracts (id) ON DELETE CASCADE;
ALTER TABLE obligations DROP CONSTRAINT obligations_one_subject;
ALTER TABLE obligations ADD CONSTRAINT obligations_one_subject
    CHECK (num_nonnulls(incident_id, request_id, contract_id) = 1);
ALTER TABLE obligations ADD CONSTRAINT obligations_contract_kind UNIQUE (contract_id, kind);
INSERT INTO obligations (id, contract_id, kind, title, party, recipient, clock,
    clock_started_at, due_at, sources, completed_at, completion_note, completed_by, waived_at,
    waive_reason, waived_by, updated_at, due_kind, on_hold, rolled_due_at)
SELECT id, contract_id, kind, title, party, recipient, clock,
    clock_started_at, due_at, sources, completed_at, completion_note, completed_by, waived_at,
    waive_reason, waived_by, updated_at, due_kind, on_hold, rolled_due_at
FROM contract_obligations;
DROP TABLE contract_obligations;

-- The board's notice to amend a contract missing a required provision, and
-- the contractor's amendment: when the notice was sent (with an optional
-- note), the date of the amendment and the provisions it added (a JSON
-- array of provision numbers). `version` guards a concurrent amendment.
ALTER TABLE contracts ADD COLUMN amendment_requested_at TIMESTAMPTZ;
ALTER TABLE contracts ADD COLUMN amendment_request_note TEXT;
ALTER TABLE contracts ADD COLUMN amended_on TEXT COLLATE "C";   -- YYYY-MM-DD, the district's date
ALTER TABLE contracts ADD COLUMN amended_provisions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contracts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
