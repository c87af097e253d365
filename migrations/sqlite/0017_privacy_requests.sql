-- Privacy requests from families (docs/requests.md): an inquiry, a
-- complaint, a dispute about personal information, a request to inspect
-- records or to correct them. The requester's name and address are personal
-- data: kept here to answer them, never logged, counted or published.
-- `reference` is the short code the requester is given (never the id).
CREATE TABLE privacy_requests (
    id              TEXT PRIMARY KEY NOT NULL,
    reference       TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    requester_name  TEXT NOT NULL,
    requester_email TEXT NOT NULL,
    summary         TEXT NOT NULL,
    via             TEXT NOT NULL,          -- api | public_form
    filed_by        TEXT NOT NULL,
    assigned_to     TEXT,
    answer          TEXT,
    answered_at     TEXT,
    answered_by     TEXT,
    closed_at       TEXT,
    closed_by       TEXT,
    close_note      TEXT,
    created_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX privacy_requests_received ON privacy_requests (received_at);

-- An obligation is owed about an incident or about a request, never both:
-- SQLite cannot drop NOT NULL from a column, so the table is rebuilt with
-- `incident_id` nullable and `request_id` beside it. Nothing references
-- obligations by foreign key, so the rebuild keeps every row and id.
CREATE TABLE obligations_new (
    id               TEXT PRIMARY KEY NOT NULL,
    incident_id      TEXT REFERENCES incidents (id) ON DELETE CASCADE,
    request_id       TEXT REFERENCES privacy_requests (id) ON DELETE CASCADE,
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
    CHECK ((incident_id IS NULL) <> (request_id IS NULL)),
    UNIQUE (incident_id, kind),
    UNIQUE (request_id, kind)
);
INSERT INTO obligations_new (id, incident_id, kind, title, party, recipient, clock, clock_started_at,
    due_at, sources, completed_at, completion_note, completed_by, waived_at, waive_reason, waived_by,
    updated_at, due_kind, on_hold, rolled_due_at)
SELECT id, incident_id, kind, title, party, recipient, clock, clock_started_at,
    due_at, sources, completed_at, completion_note, completed_by, waived_at, waive_reason, waived_by,
    updated_at, due_kind, on_hold, rolled_due_at
FROM obligations;
DROP TABLE obligations;
ALTER TABLE obligations_new RENAME TO obligations;
CREATE INDEX obligations_due_at ON obligations (due_at);
