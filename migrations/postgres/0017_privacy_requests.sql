-- Privacy requests from families (docs/requests.md): an inquiry, a
-- complaint, a dispute about personal information, a request to inspect
-- records or to correct them. The requester's name and address are personal
-- data: kept here to answer them, never logged, counted or published.
-- `reference` is the short code the requester is given (never the id).
CREATE TABLE privacy_requests (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    reference       TEXT COLLATE "C" NOT NULL UNIQUE,
    kind            TEXT COLLATE "C" NOT NULL,
    received_at     TIMESTAMPTZ NOT NULL,
    requester_name  TEXT NOT NULL,
    requester_email TEXT NOT NULL,
    summary         TEXT NOT NULL,
    via             TEXT COLLATE "C" NOT NULL,   -- api | public_form
    filed_by        TEXT COLLATE "C" NOT NULL,
    assigned_to     TEXT,
    answer          TEXT,
    answered_at     TIMESTAMPTZ,
    answered_by     TEXT COLLATE "C",
    closed_at       TIMESTAMPTZ,
    closed_by       TEXT COLLATE "C",
    close_note      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX privacy_requests_received ON privacy_requests (received_at);

-- An obligation is owed about an incident or about a request, never both.
ALTER TABLE obligations ALTER COLUMN incident_id DROP NOT NULL;
ALTER TABLE obligations ADD COLUMN request_id TEXT COLLATE "C" REFERENCES privacy_requests (id) ON DELETE CASCADE;
ALTER TABLE obligations ADD CONSTRAINT obligations_one_subject CHECK ((incident_id IS NULL) <> (request_id IS NULL));
ALTER TABLE obligations ADD CONSTRAINT obligations_request_kind UNIQUE (request_id, kind);
