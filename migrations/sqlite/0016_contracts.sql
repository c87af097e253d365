-- Contracts with vendors (docs/vendors.md, "Contracts"): one row per
-- contract the district executed, its title, purpose, data elements and
-- provision checklist in one JSON document (`body`), read and written whole.
-- `published_*` say where its public notice is, once published.
CREATE TABLE contracts (
    id            TEXT PRIMARY KEY NOT NULL,
    vendor_id     TEXT NOT NULL REFERENCES vendors (id),
    title         TEXT NOT NULL,
    executed_on   TEXT NOT NULL,          -- YYYY-MM-DD, the district's date
    body          TEXT NOT NULL,
    filed_by      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    published_at  TEXT,
    published_url TEXT
);
CREATE INDEX contracts_by_executed ON contracts (executed_on);

-- A contract's duties (`scope = "contract"` kinds): the columns of
-- `obligations`, keyed by the contract instead of an incident.
CREATE TABLE contract_obligations (
    id               TEXT PRIMARY KEY NOT NULL,
    contract_id      TEXT NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    party            TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    clock            TEXT NOT NULL,
    clock_started_at TEXT,
    due_at           TEXT,
    due_kind         TEXT NOT NULL DEFAULT 'fixed',
    on_hold          INTEGER NOT NULL DEFAULT 0,
    rolled_due_at    TEXT,
    sources          TEXT NOT NULL,          -- JSON array of sources
    completed_at     TEXT,
    completion_note  TEXT,
    completed_by     TEXT,
    waived_at        TEXT,
    waive_reason     TEXT,
    waived_by        TEXT,
    updated_at       TEXT NOT NULL,
    UNIQUE (contract_id, kind)
);

-- A vendor's signed agreement document (one per vendor: an upload replaces
-- it), kept whole with its SHA-256. `publishable`: the district allows the
-- public list of agreements to link it.
CREATE TABLE vendor_documents (
    vendor_id    TEXT PRIMARY KEY NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    publishable  INTEGER NOT NULL DEFAULT 0,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    content      BLOB NOT NULL
);
