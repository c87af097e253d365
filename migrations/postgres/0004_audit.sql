-- The audit log (twin of migrations/sqlite/0004_audit.sql): every state
-- change, appended in the transaction that makes it, each entry holding the
-- SHA-256 of the one before (a hash chain that `breachd audit verify`
-- checks). Appenders on every instance take one transaction-scoped advisory
-- lock, so the chain stays linear. Entries name ids and counts, never a
-- student's or guardian's personal data. `at` is RFC 3339 text to the
-- microsecond, exactly the form the hash covers, as in SQLite.

CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,                 -- 1, 2, 3, ... in order of appending
    at           TEXT COLLATE "C" NOT NULL,
    actor        TEXT COLLATE "C" NOT NULL,          -- token name, or breachd:<instance>
    action       TEXT COLLATE "C" NOT NULL,
    incident_id  TEXT COLLATE "C",
    subject      TEXT COLLATE "C",                   -- the id the action is about
    details      TEXT NOT NULL,                      -- JSON
    prev_hash    TEXT COLLATE "C" NOT NULL,
    hash         TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_log_incident ON audit_log (incident_id, seq);
