-- The board's notice to families: who is affected (from the roster), the
-- notice draft and its approval, and its publication on the website.
-- Deliveries are rows of `emails` (kind 'family-notice'), planned in chunks
-- so that several workers can share a fan-out.

CREATE TABLE roster_imports (
    id              TEXT PRIMARY KEY NOT NULL,
    incident_id     TEXT NOT NULL REFERENCES incidents (id),
    format          TEXT NOT NULL,
    students        INTEGER NOT NULL,
    recipients      INTEGER NOT NULL,
    unreachable     INTEGER NOT NULL,
    rejected_rows   INTEGER NOT NULL,
    imported_at     TEXT NOT NULL,
    imported_by     TEXT NOT NULL
);
CREATE INDEX roster_imports_incident ON roster_imports (incident_id, imported_at);

-- Personal data: used to send the notice, never logged or published.
CREATE TABLE notice_recipients (
    incident_id     TEXT NOT NULL REFERENCES incidents (id),
    email_key       TEXT NOT NULL,            -- lowercase address: one message per address
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    language        TEXT,
    children        TEXT NOT NULL,            -- JSON [{student_id, name}]
    PRIMARY KEY (incident_id, email_key)
);

CREATE TABLE unreachable_students (
    incident_id     TEXT NOT NULL REFERENCES incidents (id),
    student_id      TEXT NOT NULL,
    name            TEXT NOT NULL,
    PRIMARY KEY (incident_id, student_id)
);

CREATE TABLE notices (
    incident_id          TEXT PRIMARY KEY NOT NULL REFERENCES incidents (id),
    what_happened        TEXT NOT NULL,
    what_we_are_doing    TEXT NOT NULL,
    what_families_can_do TEXT NOT NULL,
    contact              TEXT NOT NULL,
    drafted_at           TEXT NOT NULL,
    approved_at          TEXT,
    approved_by          TEXT,
    recipients           INTEGER,              -- planned at approval
    published_at         TEXT,
    published_url        TEXT,
    public               TEXT                  -- JSON of the published notice (no personal data)
);

ALTER TABLE emails ADD COLUMN chunk INTEGER;
CREATE INDEX emails_fanout ON emails (incident_id, kind, chunk, status);
