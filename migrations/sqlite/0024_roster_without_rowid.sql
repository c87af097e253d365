-- The roster tables become WITHOUT ROWID (issue 19, item 1): every reader
-- finds their rows by the primary key (incident, roster version, key), so a
-- rowid table kept each row twice, once in the table and again, key and
-- all, in the primary key's index. A roster import then wrote its 830,000
-- recipients twice; now the table is the key's B-tree and each row is
-- written once, in key order (benches/roster/run.sh). Columns, keys and
-- rows are unchanged; SQLite cannot change a table's kind in place, so
-- each is rebuilt.

CREATE TABLE notice_recipients_w (
    incident_id     TEXT NOT NULL REFERENCES incidents (id),
    roster_import   TEXT NOT NULL,
    email_key       TEXT NOT NULL,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    language        TEXT,
    children        TEXT NOT NULL,
    PRIMARY KEY (incident_id, roster_import, email_key)
) WITHOUT ROWID;
INSERT INTO notice_recipients_w
SELECT incident_id, roster_import, email_key, email, name, language, children FROM notice_recipients;
DROP TABLE notice_recipients;
ALTER TABLE notice_recipients_w RENAME TO notice_recipients;

CREATE TABLE unreachable_students_w (
    incident_id     TEXT NOT NULL REFERENCES incidents (id),
    roster_import   TEXT NOT NULL,
    student_id      TEXT NOT NULL,
    name            TEXT NOT NULL,
    PRIMARY KEY (incident_id, roster_import, student_id)
) WITHOUT ROWID;
INSERT INTO unreachable_students_w
SELECT incident_id, roster_import, student_id, name FROM unreachable_students;
DROP TABLE unreachable_students;
ALTER TABLE unreachable_students_w RENAME TO unreachable_students;

CREATE TABLE student_addresses_w (
    incident_id     TEXT NOT NULL REFERENCES incidents (id),
    roster_import   TEXT NOT NULL,
    student_id      TEXT NOT NULL,
    address         TEXT NOT NULL,
    PRIMARY KEY (incident_id, roster_import, student_id)
) WITHOUT ROWID;
INSERT INTO student_addresses_w
SELECT incident_id, roster_import, student_id, address FROM student_addresses;
DROP TABLE student_addresses;
ALTER TABLE student_addresses_w RENAME TO student_addresses;
