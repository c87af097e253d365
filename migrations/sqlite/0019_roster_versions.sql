-- Roster versions (issue 12, item 10): an import copies its rows in small
-- transactions, each under the import's id (`roster_import`), so that other
-- writers are served meanwhile; nobody sees them until `roster_current`
-- points at that import, which one small transaction does at the end. The
-- rows of the version it replaced are then deleted, in small transactions
-- too. Rows of earlier imports take their incident's latest import id.

CREATE TABLE roster_current (
    incident_id  TEXT PRIMARY KEY NOT NULL REFERENCES incidents (id),
    import_id    TEXT NOT NULL
);
INSERT INTO roster_current (incident_id, import_id)
SELECT incident_id, id FROM (
    SELECT incident_id, id,
           row_number() OVER (PARTITION BY incident_id ORDER BY imported_at DESC, id DESC) AS nth
    FROM roster_imports
) WHERE nth = 1;

-- SQLite cannot change a primary key in place: each table is rebuilt.
CREATE TABLE notice_recipients_v (
    incident_id     TEXT NOT NULL REFERENCES incidents (id),
    roster_import   TEXT NOT NULL,
    email_key       TEXT NOT NULL,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    language        TEXT,
    children        TEXT NOT NULL,
    PRIMARY KEY (incident_id, roster_import, email_key)
);
INSERT INTO notice_recipients_v
SELECT r.incident_id, COALESCE(c.import_id, ''), r.email_key, r.email, r.name, r.language, r.children
FROM notice_recipients r LEFT JOIN roster_current c ON c.incident_id = r.incident_id;
DROP TABLE notice_recipients;
ALTER TABLE notice_recipients_v RENAME TO notice_recipients;

CREATE TABLE unreachable_students_v (
    incident_id     TEXT NOT NULL REFERENCES incidents (id),
    roster_import   TEXT NOT NULL,
    student_id      TEXT NOT NULL,
    name            TEXT NOT NULL,
    PRIMARY KEY (incident_id, roster_import, student_id)
);
INSERT INTO unreachable_students_v
SELECT u.incident_id, COALESCE(c.import_id, ''), u.student_id, u.name
FROM unreachable_students u LEFT JOIN roster_current c ON c.incident_id = u.incident_id;
DROP TABLE unreachable_students;
ALTER TABLE unreachable_students_v RENAME TO unreachable_students;

CREATE TABLE student_addresses_v (
    incident_id     TEXT NOT NULL REFERENCES incidents (id),
    roster_import   TEXT NOT NULL,
    student_id      TEXT NOT NULL,
    address         TEXT NOT NULL,
    PRIMARY KEY (incident_id, roster_import, student_id)
);
INSERT INTO student_addresses_v
SELECT a.incident_id, COALESCE(c.import_id, ''), a.student_id, a.address
FROM student_addresses a LEFT JOIN roster_current c ON c.incident_id = a.incident_id;
DROP TABLE student_addresses;
ALTER TABLE student_addresses_v RENAME TO student_addresses;
