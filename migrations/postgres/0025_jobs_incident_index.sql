-- A reminder step finds the other steps of its incident due at the same
-- instant (to list them in one message): the incident's index gains the
-- due time, as on SQLite (where the lookup had no index of its own and read
-- every step of a burst due at one instant).
DROP INDEX jobs_incident;
CREATE INDEX jobs_incident ON jobs (incident_id, due_at);
