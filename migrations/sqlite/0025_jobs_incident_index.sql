-- A reminder step finds the other steps of its incident due at the same
-- instant (to list them in one message). Without this index that lookup
-- went through jobs_scheduled (state, due_at), so in a burst of N steps due
-- at one instant each step read all N: a 10,000-step burst read 10^8 rows.
CREATE INDEX jobs_incident ON jobs (incident_id, due_at);
