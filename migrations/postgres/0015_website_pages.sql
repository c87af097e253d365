-- The public website kept in the database (docs/website.md): every file of
-- the notices site as last published (a page per notice, the index, the
-- feed), so that every instance serves /notices/ without a shared folder.
-- Public by construction: built from `notices.public`, no personal data.
CREATE TABLE site_files (
    name          TEXT COLLATE "C" PRIMARY KEY NOT NULL,   -- notice-<id>.html | index.html | feed.atom
    content_type  TEXT NOT NULL,
    body          TEXT NOT NULL,               -- at most site::MAX_FILE_BYTES
    sha256        TEXT NOT NULL,               -- hex of body, what the check compares
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Each fetch of a notice page at publish.base_url (publish.verify), kept as
-- evidence: when, where, what answered, and whether it was what breachd
-- published. `next_at` is when the check tries again (NULL once seen or
-- given up).
CREATE TABLE website_checks (
    id            TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    incident_id   TEXT COLLATE "C" NOT NULL REFERENCES incidents (id),
    checked_at    TIMESTAMPTZ NOT NULL,
    url           TEXT NOT NULL,
    http_status   BIGINT,                     -- NULL when nothing answered
    body_sha256   TEXT,
    expected_sha256 TEXT NOT NULL,
    matched       BOOLEAN NOT NULL,
    error         TEXT,                        -- why not, in plain words
    next_at       TIMESTAMPTZ,
    instance      TEXT NOT NULL
);
CREATE INDEX website_checks_incident ON website_checks (incident_id, checked_at);
