-- Before it is sent, a reminder step asks whether a later step of its
-- obligation is also due (`later_reminders_due`: obligation, state, a later
-- step, due by now). With the obligation's index on (obligation_id, state)
-- only, SQLite's planner preferred jobs_scheduled (state, due_at), an
-- equality and a range, so in a burst of N steps due at once each step read
-- all N (2.9 ms a step in a 2,000-step burst, the burst's largest cost).
-- The step order in the obligation's index gives it the range too.
DROP INDEX jobs_obligation;
CREATE INDEX jobs_obligation ON jobs (obligation_id, state, step_order);
