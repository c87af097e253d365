-- The audit log: every state change, appended in the transaction that makes
-- it, each entry holding the SHA-256 of the one before (a hash chain that
-- `breachd audit verify` checks). Entries name ids and counts, never a
-- student's or guardian's personal data.

CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,          -- 1, 2, 3, ... in order of appending
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,                -- token name, or breachd:<instance>
    action       TEXT NOT NULL,
    incident_id  TEXT,
    subject      TEXT,                         -- the id the action is about
    details      TEXT NOT NULL,                -- JSON
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_log_incident ON audit_log (incident_id, seq);
