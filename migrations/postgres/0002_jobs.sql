-- The durable job queue and the email it sends (twin of
-- migrations/sqlite/0002_jobs.sql).
--
-- A job is planned here before anything happens; `key` makes planning the
-- same thing twice a no-op. A worker (any instance) claims a job with
-- FOR UPDATE SKIP LOCKED by setting a lease (`locked_until`); a lease that
-- expires (its instance died) is taken over.

CREATE TABLE jobs (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL,     -- reminder | digest | failure_report | ...
    key             TEXT COLLATE "C" NOT NULL UNIQUE,  -- idempotency key
    payload         TEXT NOT NULL,                 -- JSON
    due_at          TIMESTAMPTZ NOT NULL,
    state           TEXT COLLATE "C" NOT NULL,     -- scheduled | done | skipped | cancelled | failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    locked_until    TIMESTAMPTZ,
    locked_by       TEXT COLLATE "C",
    last_error      TEXT,
    incident_id     TEXT COLLATE "C",
    obligation_id   TEXT COLLATE "C",
    obligation_due  TIMESTAMPTZ,                   -- the due time the job was planned for
    step_order      BIGINT,
    late            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ
);
CREATE INDEX jobs_scheduled ON jobs (state, due_at);
CREATE INDEX jobs_obligation ON jobs (obligation_id, state);
-- The claim query and next_job_at only look at scheduled jobs; a partial
-- index keeps them fast however many finished jobs accumulate.
CREATE INDEX jobs_claimable ON jobs (due_at) WHERE state = 'scheduled';
CREATE INDEX jobs_incident ON jobs (incident_id);

-- One row per message to one recipient; every send attempt is recorded.
CREATE TABLE emails (
    id              TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    job_id          TEXT COLLATE "C" REFERENCES jobs (id),
    kind            TEXT COLLATE "C" NOT NULL,     -- reminder | digest | family-notice | delivery-failure
    incident_id     TEXT COLLATE "C",
    recipient       TEXT COLLATE "C" NOT NULL,
    message_id      TEXT COLLATE "C" NOT NULL,     -- chosen before the first attempt, kept on retries
    status          TEXT COLLATE "C" NOT NULL,     -- queued | sent | deferred | failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_reply      TEXT,
    next_attempt_at TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (job_id, recipient)
);
CREATE INDEX emails_incident ON emails (incident_id, status);

CREATE TABLE email_attempts (
    email_id    TEXT COLLATE "C" NOT NULL REFERENCES emails (id),
    at          TIMESTAMPTZ NOT NULL,
    outcome     TEXT COLLATE "C" NOT NULL,         -- sent | deferred | failed
    reply       TEXT,
    worker      TEXT COLLATE "C"                   -- the instance that made the attempt
);
CREATE INDEX email_attempts_email ON email_attempts (email_id);
