-- The audit chain keyed and append-only (twin of
-- migrations/sqlite/0008_audit_chain.sql). Each entry gains `mac`, the
-- HMAC-SHA256 of its seq and hash under the audit key, which lives outside
-- the database (entries appended before this migration keep NULL: they are
-- checked by their hashes, up to the first keyed entry). The triggers make
-- the database itself refuse UPDATE, DELETE and TRUNCATE of the log;
-- someone who drops them first is still caught by `breachd audit verify`
-- (the MACs and the anchor outside the database).

ALTER TABLE audit_log ADD COLUMN mac TEXT COLLATE "C";

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
