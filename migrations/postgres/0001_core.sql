-- Incidents, their clock events and obligations, and idempotency records.
-- The PostgreSQL twin of migrations/sqlite/0001_core.sql: same tables, same
-- columns, same keys. Instants are timestamptz (microseconds); ids stay text
-- so that `breachd migrate-data` copies SQLite rows unchanged. Text columns
-- use the "C" collation so that ORDER BY and range comparisons follow byte
-- order, exactly as SQLite's default BINARY collation does.

CREATE TABLE incidents (
    id                TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    title             TEXT COLLATE "C" NOT NULL,
    description       TEXT COLLATE "C",
    contractor        TEXT COLLATE "C",
    own_systems       BOOLEAN NOT NULL DEFAULT FALSE,
    data_elements     TEXT NOT NULL,          -- JSON array, as submitted
    classification    TEXT NOT NULL,          -- JSON, as classified at filing
    affected_students BIGINT,
    filed_by          TEXT COLLATE "C" NOT NULL,   -- API token name
    created_at        TIMESTAMPTZ NOT NULL,
    version           BIGINT NOT NULL DEFAULT 0     -- optimistic concurrency
);
CREATE INDEX incidents_created_at ON incidents (created_at);

CREATE TABLE incident_events (
    incident_id  TEXT COLLATE "C" NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind         TEXT COLLATE "C" NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    recorded_by  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (incident_id, kind)
);

CREATE TABLE obligations (
    id               TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    incident_id      TEXT COLLATE "C" NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind             TEXT COLLATE "C" NOT NULL,
    title            TEXT COLLATE "C" NOT NULL,
    party            TEXT COLLATE "C" NOT NULL,
    recipient        TEXT COLLATE "C" NOT NULL,
    clock            TEXT COLLATE "C" NOT NULL,
    clock_started_at TIMESTAMPTZ,
    due_at           TIMESTAMPTZ,
    sources          TEXT NOT NULL,          -- JSON array of sources
    completed_at     TIMESTAMPTZ,
    completion_note  TEXT COLLATE "C",
    completed_by     TEXT COLLATE "C",
    waived_at        TIMESTAMPTZ,
    waive_reason     TEXT COLLATE "C",
    waived_by        TEXT COLLATE "C",
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (incident_id, kind)
);
CREATE INDEX obligations_due_at ON obligations (due_at);

CREATE TABLE idempotency_keys (
    caller        TEXT COLLATE "C" NOT NULL,
    key           TEXT COLLATE "C" NOT NULL,
    request_hash  TEXT COLLATE "C" NOT NULL,
    status        BIGINT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (caller, key)
);
