-- A contract's duties are obligations like the others (docs/vendors.md,
-- "The duties"): the board, the reminders and the digest read `obligations`,
-- so the rows of `contract_obligations` move there under `contract_id`.
-- SQLite cannot change a CHECK in place, so `obligations` is rebuilt as
-- 0017 did, with exactly one of incident_id, request_id and contract_id
-- set. Nothing references obligations by foreign key: every row and id is
-- kept, the contracts' duties with theirs.
CREATE TABLE obligations_new (
    id               TEXT PRIMARY KEY NOT NULL,
    incident_id      TEXT REFERENCES incidents (id) ON DELETE CASCADE,
    request_id       TEXT REFERENCES privacy_requests (id) ON DELETE CASCADE,
    contract_id      TEXT REFERENCES contracts (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    party            TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    clock            TEXT NOT NULL,
    clock_started_at TEXT,
    due_at           TEXT,
    sources          TEXT NOT NULL,
    completed_at     TEXT,
    completion_note  TEXT,
    completed_by     TEXT,
    waived_at        TEXT,
    waive_reason     TEXT,
    waived_by        TEXT,
    updated_at       TEXT NOT NULL,
    due_kind         TEXT NOT NULL DEFAULT 'fixed',
    on_hold          INTEGER NOT NULL DEFAULT 0,
    rolled_due_at    TEXT,
    CHECK ((incident_id IS NOT NULL) + (request_id IS NOT NULL) + (contract_id IS NOT NULL) = 1),
    UNIQUE (incident_id, kind),
    UNIQUE (request_id, kind),
    UNIQUE (contract_id, kind)
);
INSERT INTO obligations_new (id, incident_id, request_id, kind, title, party, recipient, clock,
    clock_started_at, due_at, sources, completed_at, completion_note, completed_by, waived_at,
    waive_reason, waived_by, updated_at, due_kind, on_hold, rolled_due_at)
SELECT id, incident_id, request_id, kind, title, party, recipient, clock,
    clock_started_at, due_at, sources, completed_at, completion_note, completed_by, waived_at,
    waive_reason, waived_by, updated_at, due_kind, on_hold, rolled_due_at
FROM obligations;
INSERT INTO obligations_new (id, contract_id, kind, title, party, recipient, clock,
    clock_started_at, due_at, sources, completed_at, completion_note, completed_by, waived_at,
    waive_reason, waived_by, updated_at, due_kind, on_hold, rolled_due_at)
SELECT id, contract_id, kind, title, party, recipient, clock,
    clock_started_at, due_at, sources, completed_at, completion_note, completed_by, waived_at,
    waive_reason, waived_by, updated_at, due_kind, on_hold, rolled_due_at
FROM contract_obligations;
DROP TABLE contract_obligations;
DROP TABLE obligations;
ALTER TABLE obligations_new RENAME TO obligations;
CREATE INDEX obligations_due_at ON obligations (due_at);

-- The board's notice to amend a contract missing a required provision, and
-- the contractor's amendment: when the notice was sent (with an optional
-- note), the date of the amendment and the provisions it added (a JSON
-- array of provision numbers). `version` guards a concurrent amendment.
ALTER TABLE contracts ADD COLUMN amendment_requested_at TEXT;
ALTER TABLE contracts ADD COLUMN amendment_request_note TEXT;
ALTER TABLE contracts ADD COLUMN amended_on TEXT;          -- YYYY-MM-DD, the district's date
ALTER TABLE contracts ADD COLUMN amended_provisions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contracts ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
