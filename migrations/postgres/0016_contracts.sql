-- Contracts with vendors (docs/vendors.md, "Contracts"): one row per
-- contract the district executed, its title, purpose, data elements and
-- provision checklist in one JSON document (`body`), read and written whole.
-- `published_*` say where its public notice is, once published.
CREATE TABLE contracts (
    id            TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    vendor_id     TEXT NOT NULL REFERENCES vendors (id),
    title         TEXT NOT NULL,
    executed_on   TEXT COLLATE "C" NOT NULL,   -- YYYY-MM-DD, the district's date
    body          TEXT NOT NULL,
    filed_by      TEXT COLLATE "C" NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ,
    published_url TEXT
);
CREATE INDEX contracts_by_executed ON contracts (executed_on);

-- A contract's duties (`scope = "contract"` kinds): the columns of
-- `obligations`, keyed by the contract instead of an incident.
CREATE TABLE contract_obligations (
    id               TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    contract_id      TEXT COLLATE "C" NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    kind             TEXT COLLATE "C" NOT NULL,
    title            TEXT COLLATE "C" NOT NULL,
    party            TEXT COLLATE "C" NOT NULL,
    recipient        TEXT COLLATE "C" NOT NULL,
    clock            TEXT COLLATE "C" NOT NULL,
    clock_started_at TIMESTAMPTZ,
    due_at           TIMESTAMPTZ,
    due_kind         TEXT COLLATE "C" NOT NULL DEFAULT 'fixed',
    on_hold          BOOLEAN NOT NULL DEFAULT FALSE,
    rolled_due_at    TIMESTAMPTZ,
    sources          TEXT NOT NULL,          -- JSON array of sources
    completed_at     TIMESTAMPTZ,
    completion_note  TEXT COLLATE "C",
    completed_by     TEXT COLLATE "C",
    waived_at        TIMESTAMPTZ,
    waive_reason     TEXT COLLATE "C",
    waived_by        TEXT COLLATE "C",
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (contract_id, kind)
);

-- A vendor's signed agreement document (one per vendor: an upload replaces
-- it), kept whole with its SHA-256. `publishable`: the district allows the
-- public list of agreements to link it.
CREATE TABLE vendor_documents (
    vendor_id    TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT COLLATE "C" NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT COLLATE "C" NOT NULL,
    publishable  BOOLEAN NOT NULL DEFAULT FALSE,
    uploaded_by  TEXT COLLATE "C" NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL,
    content      BYTEA NOT NULL
);
