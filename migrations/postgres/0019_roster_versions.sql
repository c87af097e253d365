-- Roster versions (issue 12, item 10): an import copies its rows in small
-- transactions, each under the import's id (`roster_import`), so that other
-- writers are served meanwhile; nobody sees them until `roster_current`
-- points at that import, which one small transaction does at the end. The
-- rows of the version it replaced are then deleted, in small transactions
-- too. Rows of earlier imports take their incident's latest import id.

CREATE TABLE roster_current (
    incident_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES incidents (id),
    import_id    TEXT COLLATE "C" NOT NULL
);
INSERT INTO roster_current (incident_id, import_id)
SELECT DISTINCT ON (incident_id) incident_id, id
FROM roster_imports ORDER BY incident_id, imported_at DESC, id DESC;

ALTER TABLE notice_recipients ADD COLUMN roster_import TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE unreachable_students ADD COLUMN roster_import TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE student_addresses ADD COLUMN roster_import TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE notice_recipients t SET roster_import = c.import_id FROM roster_current c WHERE c.incident_id = t.incident_id;
UPDATE unreachable_students t SET roster_import = c.import_id FROM roster_current c WHERE c.incident_id = t.incident_id;
UPDATE student_addresses t SET roster_import = c.import_id FROM roster_current c WHERE c.incident_id = t.incident_id;
ALTER TABLE notice_recipients ALTER COLUMN roster_import DROP DEFAULT;
ALTER TABLE unreachable_students ALTER COLUMN roster_import DROP DEFAULT;
ALTER TABLE student_addresses ALTER COLUMN roster_import DROP DEFAULT;
ALTER TABLE notice_recipients DROP CONSTRAINT notice_recipients_pkey,
    ADD PRIMARY KEY (incident_id, roster_import, email_key);
ALTER TABLE unreachable_students DROP CONSTRAINT unreachable_students_pkey,
    ADD PRIMARY KEY (incident_id, roster_import, student_id);
ALTER TABLE student_addresses DROP CONSTRAINT student_addresses_pkey,
    ADD PRIMARY KEY (incident_id, roster_import, student_id);
