-- Incidents, their clock events and obligations, and idempotency records.
-- Instants are stored as RFC 3339 text in UTC (sqlx's encoding of
-- DateTime<Utc>), which sorts in time order.

CREATE TABLE incidents (
    id                TEXT PRIMARY KEY NOT NULL,
    title             TEXT NOT NULL,
    description       TEXT,
    contractor        TEXT,
    own_systems       INTEGER NOT NULL DEFAULT 0,
    data_elements     TEXT NOT NULL,          -- JSON array, as submitted
    classification    TEXT NOT NULL,          -- JSON, as classified at filing
    affected_students INTEGER,
    filed_by          TEXT NOT NULL,          -- API token name
    created_at        TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 0   -- optimistic concurrency
);
CREATE INDEX incidents_created_at ON incidents (created_at);

CREATE TABLE incident_events (
    incident_id  TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    at           TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    PRIMARY KEY (incident_id, kind)
);

CREATE TABLE obligations (
    id               TEXT PRIMARY KEY NOT NULL,
    incident_id      TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    party            TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    clock            TEXT NOT NULL,
    clock_started_at TEXT,
    due_at           TEXT,
    sources          TEXT NOT NULL,          -- JSON array of sources
    completed_at     TEXT,
    completion_note  TEXT,
    completed_by     TEXT,
    waived_at        TEXT,
    waive_reason     TEXT,
    waived_by        TEXT,
    updated_at       TEXT NOT NULL,
    UNIQUE (incident_id, kind)
);
CREATE INDEX obligations_due_at ON obligations (due_at);

CREATE TABLE idempotency_keys (
    caller        TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (caller, key)
);
