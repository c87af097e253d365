-- The audit chain keyed and append-only. Each entry gains `mac`, the
-- HMAC-SHA256 of its seq and hash under the audit key, which lives outside
-- the database (entries appended before this migration keep NULL: they are
-- checked by their hashes, up to the first keyed entry). The triggers make
-- the database itself refuse to change or remove an entry; someone who
-- drops them first is still caught by `breachd audit verify` (the MACs and
-- the anchor outside the database).

ALTER TABLE audit_log ADD COLUMN mac TEXT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be changed');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be removed');
END;
