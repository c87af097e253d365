-- The board's notice to families (twin of migrations/sqlite/0003_notices.sql):
-- who is affected (from the roster), the notice draft and its approval, and
-- its publication on the website. Deliveries are rows of `emails` (kind
-- 'family-notice'), planned in chunks so that several workers (and several
-- instances) can share a fan-out.

CREATE TABLE roster_imports (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    incident_id     TEXT COLLATE "C" NOT NULL REFERENCES incidents (id),
    format          TEXT COLLATE "C" NOT NULL,
    students        BIGINT NOT NULL,
    recipients      BIGINT NOT NULL,
    unreachable     BIGINT NOT NULL,
    rejected_rows   BIGINT NOT NULL,
    imported_at     TIMESTAMPTZ NOT NULL,
    imported_by     TEXT COLLATE "C" NOT NULL
);
CREATE INDEX roster_imports_incident ON roster_imports (incident_id, imported_at);

-- Personal data: used to send the notice, never logged or published.
CREATE TABLE notice_recipients (
    incident_id     TEXT COLLATE "C" NOT NULL REFERENCES incidents (id),
    email_key       TEXT COLLATE "C" NOT NULL,   -- lowercase address: one message per address
    email           TEXT COLLATE "C" NOT NULL,
    name            TEXT COLLATE "C" NOT NULL,
    language        TEXT COLLATE "C",
    children        TEXT NOT NULL,               -- JSON [{student_id, name}]
    PRIMARY KEY (incident_id, email_key)
);

CREATE TABLE unreachable_students (
    incident_id     TEXT COLLATE "C" NOT NULL REFERENCES incidents (id),
    student_id      TEXT COLLATE "C" NOT NULL,
    name            TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (incident_id, student_id)
);

CREATE TABLE notices (
    incident_id          TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES incidents (id),
    what_happened        TEXT NOT NULL,
    what_we_are_doing    TEXT NOT NULL,
    what_families_can_do TEXT NOT NULL,
    contact              TEXT NOT NULL,
    drafted_at           TIMESTAMPTZ NOT NULL,
    approved_at          TIMESTAMPTZ,
    approved_by          TEXT COLLATE "C",
    recipients           BIGINT,               -- planned at approval
    published_at         TIMESTAMPTZ,
    published_url        TEXT,
    public               TEXT                  -- JSON of the published notice (no personal data)
);

ALTER TABLE emails ADD COLUMN chunk BIGINT;
CREATE INDEX emails_fanout ON emails (incident_id, kind, chunk, status);
