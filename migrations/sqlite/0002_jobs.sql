-- The durable job queue and the email it sends.
--
-- A job is planned here before anything happens; `key` makes planning the
-- same thing twice a no-op. A worker claims a job by setting a lease
-- (`locked_until`); a lease that expires is taken over.

CREATE TABLE jobs (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL,                 -- reminder | digest | failure_report | ...
    key             TEXT NOT NULL UNIQUE,          -- idempotency key
    payload         TEXT NOT NULL,                 -- JSON
    due_at          TEXT NOT NULL,
    state           TEXT NOT NULL,                 -- scheduled | done | skipped | cancelled | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    locked_by       TEXT,
    last_error      TEXT,
    incident_id     TEXT,
    obligation_id   TEXT,
    obligation_due  TEXT,                          -- the due time the job was planned for
    step_order      INTEGER,
    late            INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX jobs_scheduled ON jobs (state, due_at);
CREATE INDEX jobs_obligation ON jobs (obligation_id, state);

-- One row per message to one recipient; every send attempt is recorded.
CREATE TABLE emails (
    id              TEXT PRIMARY KEY NOT NULL,
    job_id          TEXT REFERENCES jobs (id),
    kind            TEXT NOT NULL,                 -- reminder | digest | family-notice | delivery-failure
    incident_id     TEXT,
    recipient       TEXT NOT NULL,
    message_id      TEXT NOT NULL,                 -- chosen before the first attempt, kept on retries
    status          TEXT NOT NULL,                 -- queued | sent | deferred | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_reply      TEXT,
    next_attempt_at TEXT,
    sent_at         TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (job_id, recipient)
);
CREATE INDEX emails_incident ON emails (incident_id, status);

CREATE TABLE email_attempts (
    email_id    TEXT NOT NULL REFERENCES emails (id),
    at          TEXT NOT NULL,
    outcome     TEXT NOT NULL,                     -- sent | deferred | failed
    reply       TEXT,
    worker      TEXT
);
CREATE INDEX email_attempts_email ON email_attempts (email_id);
