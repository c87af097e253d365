-- Indexes for large fan-outs:
-- - a chunk's due messages are read in address order, a page at a time
--   (no sort, and no status in the index: recording an outcome does not
--   move the entry);
-- - the deliveries listing pages by address in index order;
-- - the listing's summary and the "anything still pending?" check count by
--   status from the index alone.
DROP INDEX emails_fanout;
CREATE INDEX emails_fanout ON emails (incident_id, kind, chunk, recipient);
DROP INDEX emails_incident;
CREATE INDEX emails_incident ON emails (incident_id, kind, status);
CREATE INDEX emails_deliveries ON emails (incident_id, kind, recipient);
